// Regular expressions written as Caddy's (Go's RE2 syntax, as the Caddyfile carries them) compiled
// for std::regex: what request matchers (path_regexp, header_regexp, vars_regexp, expressions)
// and the header directive's find/replace run. Named groups are remembered by number, for the
// `{re.NAME.GROUP}` placeholders and for `$name` in a replacement.
//
// Threads: compile on any thread; a CompiledRegex is immutable and matched from any thread.
#pragma once

#include <regex>
#include <string>
#include <vector>

namespace pogo::server {

// A Go/PCRE-flavoured pattern as std::regex: `(?P<name>...)`/`(?<name>...)` become plain groups
// (their names remembered), a leading `(?i)` becomes icase. Throws std::regex_error.
struct CompiledRegex {
  std::string name;  // placeholder name: {re.NAME.N}
  std::regex re;
  std::vector<std::string> group_names;  // index = group number; "" when unnamed
};
CompiledRegex compile_regex(const std::string& name, const std::string& pattern);

}  // namespace pogo::server
