#include "server/ip_range.h"

#include <arpa/inet.h>

#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "server/client_ip.h"

namespace pogo::server {

namespace {

struct Ip {
  int family = 0;
  unsigned char bytes[16] = {};
};

bool parse_ip(std::string_view text, Ip& out) {
  std::string s(text);
  if (s.starts_with("[") && s.ends_with("]")) s = s.substr(1, s.size() - 2);
  if (auto pct = s.find('%'); pct != std::string::npos) s.resize(pct);
  if (inet_pton(AF_INET, s.c_str(), out.bytes) == 1) {
    out.family = AF_INET;
    return true;
  }
  if (inet_pton(AF_INET6, s.c_str(), out.bytes) == 1) {
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(out.bytes, mapped, 12) == 0) {  // ::ffff:a.b.c.d is a.b.c.d
      std::memmove(out.bytes, out.bytes + 12, 4);
      out.family = AF_INET;
      return true;
    }
    out.family = AF_INET6;
    return true;
  }
  return false;
}

bool parse_range(std::string_view range, Ip& net, int& bits) {
  auto slash = range.find('/');
  if (!parse_ip(range.substr(0, slash), net)) return false;
  int max = net.family == AF_INET ? 32 : 128;
  bits = max;
  if (slash != std::string_view::npos) {
    std::string b(range.substr(slash + 1));
    if (b.empty() || b.size() > 3 || b.find_first_not_of("0123456789") != std::string::npos) return false;
    bits = std::atoi(b.c_str());
    if (bits > max) return false;
  }
  return true;
}

}  // namespace

bool valid_ip_range(std::string_view range) {
  Ip net;
  int bits = 0;
  return parse_range(range, net, bits);
}

std::vector<std::string> ip_ranges(std::string_view what, const std::vector<std::string>& written) {
  std::vector<std::string> out;
  for (const auto& ip : written) {
    if (ip == "private_ranges") {
      out.insert(out.end(), private_ranges().begin(), private_ranges().end());
      continue;
    }
    if (!valid_ip_range(ip))
      throw std::runtime_error(std::string(what) + ": invalid IP address or CIDR range \"" + ip + "\"");
    out.push_back(ip);
  }
  return out;
}

bool ip_in_range(std::string_view range, std::string_view ip) {
  Ip net, addr;
  int bits = 0;
  if (!parse_range(range, net, bits) || !parse_ip(ip, addr) || net.family != addr.family) return false;
  int full = bits / 8, rest = bits % 8;
  if (std::memcmp(net.bytes, addr.bytes, size_t(full)) != 0) return false;
  if (rest == 0) return true;
  unsigned char mask = static_cast<unsigned char>(0xff << (8 - rest));
  return (net.bytes[full] & mask) == (addr.bytes[full] & mask);
}

}  // namespace pogo::server
