// Request matchers compiled from the Caddyfile: a Matcher holds one set of conditions (Caddy's
// matcher set: all must hold; within one condition any value may match). Matchers are pure over
// the request, except that path_regexp/header_regexp/vars_regexp record their capture groups
// (`{re.name.N}`) and `file` records `{file_match.*}` when they match.
//
// Threads: compiled on the main thread at start-up; matches() on any loop thread concurrently.
#pragma once

#include <memory>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "caddyfile/config.h"
#include "server/http_text.h"
#include "server/ip_range.h"
#include "server/regex.h"
#include "server/request.h"
#include "server/routes/expression.h"
#include "server/routes/try_files.h"

namespace pogo::server {

// Caddy's path matching: case-insensitive; "*" alone matches all; "/p*" prefix, "*.x" suffix,
// "*mid*" substring, other wildcards glob ('*' does not cross '/'); otherwise exact.
bool path_pattern_matches(std::string_view pattern, std::string_view path);

// "*.example.com" matches one label; case-insensitive; `host` without port.
bool host_pattern_matches(std::string_view pattern, std::string_view host);

class Matcher {
 public:
  Matcher() = default;  // matches everything
  // `set`'s named-matcher name becomes the default regexp name. Throws std::runtime_error on an
  // invalid regexp or IP range.
  static Matcher from_set(const caddyfile::MatcherSet& set, const std::string& name);
  static Matcher from_path(const std::string& pattern);

  bool matches(Request& r) const;
  bool matches_all() const { return all_; }

 private:
  bool all_ = true;
  std::vector<std::string> paths_;
  std::vector<CompiledRegex> path_regexps_;
  std::vector<std::string> methods_, hosts_, remote_ips_, client_ips_, protocols_;
  std::vector<std::pair<std::string, std::vector<std::string>>> headers_;
  std::vector<std::pair<std::string, CompiledRegex>> header_regexps_;  // field, regex
  std::vector<std::pair<std::string, std::vector<std::string>>> query_;  // key -> any of values
  std::optional<TryFilesOptions> file_;
  std::vector<std::pair<std::string, std::vector<std::string>>> vars_;  // any entry: name, any of values
  std::vector<std::pair<std::string, CompiledRegex>> vars_regexps_;     // any entry: name, regex
  std::vector<Matcher> nots_;
  std::shared_ptr<const Expression> expression_;  // immutable; shared by copies of this matcher
};

}  // namespace pogo::server
