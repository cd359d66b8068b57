#include "server/log_filter.h"

#include <arpa/inet.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <stdexcept>

namespace pogo::server {

namespace {

using nlohmann::json;
using Action = caddyfile::LogFilterAction;

// ---- ip_mask: "IP", "IP:port", "[IPv6]:port", or a comma-separated list of those (X-Forwarded-For)

std::string mask_one(const std::string& value, int v4_bits, int v6_bits) {
  std::string host = value, port;
  if (!value.empty() && value.front() == '[') {
    size_t close = value.find("]:");
    if (close != std::string::npos) {
      host = value.substr(1, close - 1);
      port = value.substr(close + 2);
    }
  } else if (size_t colon = value.find(':'); colon != std::string::npos && value.find(':', colon + 1) == std::string::npos) {
    host = value.substr(0, colon);
    port = value.substr(colon + 1);
  }
  unsigned char addr[16];
  int family = AF_INET, bits = v4_bits;
  size_t len = 4;
  if (inet_pton(AF_INET, host.c_str(), addr) != 1) {
    if (inet_pton(AF_INET6, host.c_str(), addr) != 1) return value;  // not an address: as Caddy, unchanged
    family = AF_INET6;
    bits = v6_bits;
    len = 16;
  }
  if (bits == 0) return value;  // no mask configured for this family
  for (size_t i = 0; i < len; ++i) {
    int keep = std::clamp(bits - int(i) * 8, 0, 8);
    addr[i] &= static_cast<unsigned char>(0xff00 >> keep);
  }
  char text[INET6_ADDRSTRLEN];
  inet_ntop(family, addr, text, sizeof text);
  if (port.empty()) return text;
  return family == AF_INET6 ? "[" + std::string(text) + "]:" + port : std::string(text) + ":" + port;
}

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string_view::npos ? std::string() : std::string(s.substr(b, e - b + 1));
}

std::string mask_ips(const std::string& s, int v4, int v6) {
  std::string out;
  size_t start = 0;
  while (true) {
    size_t comma = s.find(',', start);
    if (!out.empty()) out += ", ";
    out += mask_one(trim(std::string_view(s).substr(start, comma - start)), v4, v6);
    if (comma == std::string::npos) return out;
    start = comma + 1;
  }
}

// ---- query: Go's url.ParseQuery / Values.Encode, which Caddy's filter uses (keys come out sorted)

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool unescape(std::string_view in, std::string& out) {
  out.clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') out += ' ';
    else if (in[i] != '%') out += in[i];
    else if (i + 2 < in.size() + 0 && hex(in[i + 1]) >= 0 && hex(in[i + 2]) >= 0) {
      out += char(hex(in[i + 1]) * 16 + hex(in[i + 2]));
      i += 2;
    } else return false;  // Go drops a pair it cannot unescape
  }
  return true;
}

std::string escape(const std::string& in) {
  static const char* digits = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : in) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out += char(c);
    else if (c == ' ') out += '+';
    else {
      out += '%';
      out += digits[c >> 4];
      out += digits[c & 15];
    }
  }
  return out;
}

std::string filter_query(const std::string& uri, const std::vector<Action>& actions) {
  size_t q = uri.find('?');
  if (q == std::string::npos) return uri;
  std::string_view raw = std::string_view(uri).substr(q + 1);
  std::map<std::string, std::vector<std::string>> values;
  while (!raw.empty()) {
    size_t amp = raw.find('&');
    std::string_view pair = raw.substr(0, amp);
    raw = amp == std::string_view::npos ? std::string_view() : raw.substr(amp + 1);
    if (pair.empty() || pair.find(';') != std::string_view::npos) continue;
    size_t eq = pair.find('=');
    std::string k, v;
    if (!unescape(pair.substr(0, eq), k)) continue;
    if (eq != std::string_view::npos && !unescape(pair.substr(eq + 1), v)) continue;
    values[k].push_back(v);
  }
  for (const Action& a : actions) {
    auto it = values.find(a.name);
    if (it == values.end()) continue;
    if (a.type == "delete") values.erase(it);
    else
      for (std::string& v : it->second) v = a.type == "replace" ? a.value : log_hash(v);
  }
  std::string out = uri.substr(0, q);
  char sep = '?';
  for (const auto& [k, vs] : values)
    for (const std::string& v : vs) {
      out += sep;
      out += escape(k) + "=" + escape(v);
      sep = '&';
    }
  return out;
}

// ---- cookie (request Cookie headers) and set_cookie (response Set-Cookie lines)

const Action* action_for(const std::vector<Action>& actions, const std::string& name) {
  for (const Action& a : actions)
    if (a.name == name) return &a;
  return nullptr;
}

std::string unquote(const std::string& v) {
  return v.size() >= 2 && v.front() == '"' && v.back() == '"' ? v.substr(1, v.size() - 2) : v;
}

json filter_cookies(const json& values, const std::vector<Action>& actions) {
  std::string joined;
  for (const json& element : values) {
    if (!element.is_string()) continue;
    std::string_view rest = element.get_ref<const std::string&>();
    while (!rest.empty()) {
      size_t semi = rest.find(';');
      std::string part = trim(rest.substr(0, semi));
      rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
      size_t eq = part.find('=');
      if (part.empty() || eq == std::string::npos || eq == 0) continue;  // Go's http.Request.Cookies skips these
      std::string name = part.substr(0, eq), value = unquote(part.substr(eq + 1));
      if (const Action* a = action_for(actions, name)) {
        if (a->type == "delete") continue;
        value = a->type == "replace" ? a->value : log_hash(value);
      }
      if (!joined.empty()) joined += "; ";
      joined += name + "=" + value;
    }
  }
  json out = json::array();
  if (!joined.empty()) out.push_back(joined);
  return out;
}

json filter_set_cookies(const json& values, const std::vector<Action>& actions) {
  json out = json::array();
  for (const json& element : values) {
    if (!element.is_string()) {
      out.push_back(element);
      continue;
    }
    const std::string& line = element.get_ref<const std::string&>();
    size_t head_end = std::min(line.find(';'), line.size());
    size_t eq = line.find('=');
    if (eq == std::string::npos || eq > head_end) {
      out.push_back(line);
      continue;
    }
    const Action* a = action_for(actions, trim(std::string_view(line).substr(0, eq)));
    if (!a) {
      out.push_back(line);
      continue;
    }
    if (a->type == "delete") continue;
    std::string value = trim(std::string_view(line).substr(eq + 1, head_end - eq - 1));
    bool quoted = value.size() >= 2 && value.front() == '"' && value.back() == '"';
    std::string next = a->type == "replace" ? a->value : log_hash(unquote(value));
    if (quoted) next = "\"" + next + "\"";
    out.push_back(line.substr(0, eq + 1) + next + line.substr(head_end));
  }
  return out;
}

}  // namespace

std::string log_hash(std::string_view value) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(value.data()), value.size(), digest);
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 4; ++i) {
    out += digits[digest[i] >> 4];
    out += digits[digest[i] & 15];
  }
  return out;
}

LogFilters::LogFilters(const std::vector<caddyfile::LogFieldFilter>& filters) {
  for (const caddyfile::LogFieldFilter& f : filters) {
    Compiled c;
    c.config = f;
    for (size_t start = 0;;) {
      size_t gt = f.field.find('>', start);
      c.path.push_back(f.field.substr(start, gt - start));
      if (gt == std::string::npos) break;
      start = gt + 1;
    }
    for (const auto& [pattern, replacement] : f.regexps) {
      try {
        c.regexps.emplace_back(std::regex(pattern, std::regex::ECMAScript), replacement);
      } catch (const std::regex_error& e) {
        throw std::runtime_error("log filter regexp " + pattern + ": " + e.what());
      }
    }
    filters_.push_back(std::move(c));
  }
}

void LogFilters::apply(json& fields) const {
  for (const Compiled& c : filters_) {
    json* parent = &fields;
    for (size_t i = 0; i + 1 < c.path.size() && parent; ++i) {
      auto it = parent->is_object() ? parent->find(c.path[i]) : parent->end();
      parent = it == parent->end() ? nullptr : &*it;
    }
    if (!parent || !parent->is_object()) continue;
    auto it = parent->find(c.path.back());
    if (it == parent->end()) continue;
    const caddyfile::LogFieldFilter& f = c.config;
    json& v = *it;
    if (f.filter == "delete") {
      parent->erase(it);
    } else if (f.filter == "replace") {
      v = f.value;
    } else if (f.filter == "cookie") {
      if (v.is_array()) v = filter_cookies(v, f.actions);
    } else if (f.filter == "set_cookie") {
      if (v.is_array()) v = filter_set_cookies(v, f.actions);
    } else {
      auto one = [&](json& s) {
        if (!s.is_string()) return;
        std::string text = s.get<std::string>();
        if (f.filter == "hash") text = log_hash(text);
        else if (f.filter == "ip_mask") text = mask_ips(text, f.ipv4_cidr, f.ipv6_cidr);
        else if (f.filter == "query") text = filter_query(text, f.actions);
        else if (f.filter == "regexp")
          for (const auto& [re, replacement] : c.regexps) text = std::regex_replace(text, re, replacement);
        s = std::move(text);
      };
      if (v.is_array())
        for (json& e : v) one(e);
      else one(v);
    }
  }
}

}  // namespace pogo::server
