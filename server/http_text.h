// Small text operations HTTP needs in several places: trimming a field's optional whitespace
// (RFC 9110 OWS: spaces and tabs) and escaping text for an HTML page the server writes itself
// (directory listings, redirect bodies).
//
// Threads: any (pure functions).
#pragma once

#include <string>
#include <string_view>

namespace pogo::server {

// `s` without leading and trailing spaces and tabs.
std::string_view trim_ows(std::string_view s);

// `s` with < > & " ' replaced by character references.
std::string html_escape(std::string_view s);

}  // namespace pogo::server
