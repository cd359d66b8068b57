// Placeholders: `{path}`, `{http.request.header.X}`, `{env.X}`, `{re.name.1}`, ... resolved per
// request. Short forms are normalised to Caddy's long names first (`{path}` is
// `{http.request.uri.path}`, `{re.x.1}` is `{http.regexp.x.1}`, `{file_match.relative}` is
// `{http.matchers.file.relative}`), then read from the request and its routing variables. A
// placeholder nobody knows is kept as written (Caddy's ReplaceKnown), and `\{` is a literal brace.
//
// Threads: pure over the request; the loop thread that owns it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "server/request.h"

namespace pogo::server {

// The long name of a placeholder written as `name` (without braces).
std::string placeholder_long_name(std::string_view name);

// The value of one placeholder (long or short name), or nullopt when unknown.
std::optional<std::string> placeholder_value(std::string_view name, const Request& r);

// `text` with every known `{placeholder}` replaced.
std::string replace_placeholders(std::string_view text, const Request& r);

// True when `text` contains something that looks like a placeholder.
bool has_placeholders(std::string_view text);

// application/x-www-form-urlencoded decoding of one component ('+' is a space).
std::string query_unescape(std::string_view s);
// The first value of `key` in a raw query string, decoded; nullopt when absent.
std::optional<std::string> query_value(std::string_view query, std::string_view key);

}  // namespace pogo::server
