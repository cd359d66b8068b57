// Small text operations HTTP needs in several places: trimming a field's optional whitespace
// (RFC 9110 OWS: spaces and tabs), escaping text for an HTML page the server writes itself
// (directory listings, redirect bodies), ASCII case folding, and Caddy's header value patterns
// (request matchers and encode's response matcher both use them).
//
// Threads: any (pure functions).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pogo::server {

// `s` as a non-empty run of decimal digits that fits in 64 bits (a Content-Length), else nullopt.
std::optional<uint64_t> parse_decimal(std::string_view s);

// `s` without leading and trailing spaces and tabs.
std::string_view trim_ows(std::string_view s);

// `s` with < > & " ' replaced by character references.
std::string html_escape(std::string_view s);

// `s` with A-Z turned into a-z (paths, hosts, schemes: ASCII, whatever the locale).
std::string ascii_lower(std::string_view s);
inline char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; }

// Whether `s` starts / ends with `affix`, ignoring ASCII case (".PHP" ends with ".php").
bool starts_with_ascii_nocase(std::string_view s, std::string_view prefix);
bool ends_with_ascii_nocase(std::string_view s, std::string_view suffix);

// A header value pattern: "*" any, "pre*", "*suf", "*mid*", else exact (case-sensitive).
bool value_pattern_matches(std::string_view pattern, std::string_view value);

}  // namespace pogo::server
