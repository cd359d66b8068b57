#include "server/client_ip.h"

#include "server/exchange.h"
#include "server/ip_range.h"

namespace pogo::server {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// An address as proxies write it: "203.0.113.7", "2001:db8::1", "[2001:db8::1]:443" or
// "203.0.113.7:443"; "" when it is none of those.
std::string address_of(std::string_view v) {
  v = trim(v);
  if (v.starts_with('[')) {
    size_t close = v.find(']');
    if (close == std::string_view::npos) return {};
    v = v.substr(1, close - 1);
  } else if (v.find(':') == v.rfind(':') && v.find(':') != std::string_view::npos) {
    v = v.substr(0, v.find(':'));  // one colon: IPv4 with a port
  }
  std::string ip(v);
  return valid_ip_range(ip) && ip.find('/') == std::string::npos ? ip : std::string();
}

// The comma-separated entries of every value of header `name`, in order.
std::vector<std::string_view> entries(const RequestHead& head, const std::string& name) {
  std::vector<std::string_view> out;
  for (const Header& h : head.headers) {
    if (!header_name_equals(h.name, name)) continue;
    std::string_view rest = h.value;
    while (!rest.empty()) {
      size_t comma = rest.find(',');
      out.push_back(rest.substr(0, comma));
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return out;
}

}  // namespace

bool ClientIpPolicy::is_trusted(std::string_view ip) const {
  for (const std::string& range : trusted)
    if (ip_in_range(range, ip)) return true;
  return false;
}

const std::vector<std::string>& private_ranges() {
  static const std::vector<std::string> ranges = {"192.168.0.0/16", "172.16.0.0/12", "10.0.0.0/8",
                                                  "127.0.0.1/8",    "fd00::/8",      "::1"};
  return ranges;
}

std::string resolve_client_ip(const ClientIpPolicy& policy, const RequestHead& head) {
  if (!policy.enabled() || !policy.is_trusted(head.remote_addr)) return head.remote_addr;
  for (const std::string& name : policy.headers) {
    std::vector<std::string_view> list = entries(head, name);
    if (policy.strict) {
      for (size_t i = list.size(); i-- > 0;) {
        std::string ip = address_of(list[i]);
        if (ip.empty()) break;  // a forged or broken entry: nothing left of it can be believed
        if (!policy.is_trusted(ip)) return ip;
      }
    } else {
      for (std::string_view entry : list) {
        std::string ip = address_of(entry);
        if (!ip.empty()) return ip;
      }
    }
  }
  return head.remote_addr;
}

}  // namespace pogo::server
