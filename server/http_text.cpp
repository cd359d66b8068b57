#include "server/http_text.h"

#include <charconv>

namespace pogo::server {

std::optional<uint64_t> parse_decimal(std::string_view s) {
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return n;
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

bool starts_with_ascii_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (ascii_lower(s[i]) != ascii_lower(prefix[i])) return false;
  return true;
}

bool ends_with_ascii_nocase(std::string_view s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  return starts_with_ascii_nocase(s.substr(s.size() - suffix.size()), suffix);
}

bool value_pattern_matches(std::string_view pattern, std::string_view value) {
  if (pattern == "*") return true;
  bool pre = pattern.starts_with("*"), suf = pattern.size() > 1 && pattern.ends_with("*");
  if (pre && suf) return value.find(pattern.substr(1, pattern.size() - 2)) != std::string_view::npos;
  if (pre && pattern.find('*', 1) == std::string_view::npos) return value.ends_with(pattern.substr(1));
  if (suf && pattern.find('*') == pattern.size() - 1) return value.starts_with(pattern.substr(0, pattern.size() - 1));
  return pattern == value;
}

}  // namespace pogo::server
