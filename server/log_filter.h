// Caddy's `filter` log encoder: field filters applied to one log entry's fields before they are
// encoded (JSON or console). A filter names its field by a path of nested keys separated by `>`
// (request>headers>Authorization); a header's value is an array of strings and the filter applies
// to each element, except `replace`, which (as in Caddy) makes the whole field one string, and
// `cookie`, which (as in Caddy) re-joins the request's cookies into one "a=1; b=2" element.
//
// Threads: built on the main thread at start-up; apply() is const and may run on several loop
// threads at once (compiled regexps are only read).
#pragma once

#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "caddyfile/config.h"

namespace pogo::server {

class LogFilters {
 public:
  // Throws std::runtime_error on a pattern std::regex (ECMAScript) cannot compile.
  explicit LogFilters(const std::vector<caddyfile::LogFieldFilter>& filters);

  void apply(nlohmann::json& fields) const;

 private:
  struct Compiled {
    std::vector<std::string> path;  // the field's keys, outermost first
    caddyfile::LogFieldFilter config;
    std::vector<std::pair<std::regex, std::string>> regexps;
  };
  std::vector<Compiled> filters_;
};

// Caddy's `hash`: the first 4 bytes of the SHA-256 of the value, as 8 lowercase hex digits.
std::string log_hash(std::string_view value);

}  // namespace pogo::server
