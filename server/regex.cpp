#include "server/regex.h"

#include <string_view>

namespace pogo::server {

CompiledRegex compile_regex(const std::string& name, const std::string& pattern) {
  CompiledRegex out;
  out.name = name;
  out.group_names.push_back("");
  std::string p = pattern;
  auto flags = std::regex::ECMAScript;
  if (p.starts_with("(?i)")) {
    flags |= std::regex::icase;
    p.erase(0, 4);
  }
  std::string converted;
  bool in_class = false;
  for (size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      converted += c;
      converted += p[++i];
      continue;
    }
    if (in_class) {
      if (c == ']') in_class = false;
      converted += c;
      continue;
    }
    if (c == '[') {
      in_class = true;
      converted += c;
      continue;
    }
    if (c == '(') {
      std::string_view rest = std::string_view(p).substr(i);
      size_t skip = rest.starts_with("(?P<") ? 4 : rest.starts_with("(?<") && !rest.starts_with("(?<=") && !rest.starts_with("(?<!") ? 3 : 0;
      if (skip) {
        size_t close = p.find('>', i + skip);
        if (close == std::string::npos) throw std::regex_error(std::regex_constants::error_paren);
        out.group_names.push_back(p.substr(i + skip, close - i - skip));
        converted += '(';
        i = close;
        continue;
      }
      if (!rest.starts_with("(?")) out.group_names.push_back("");
    }
    converted += c;
  }
  out.re = std::regex(converted, flags);
  return out;
}

}  // namespace pogo::server
