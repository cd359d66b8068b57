// Which Host header values a request may carry, by the rule of Go's net/http (and so Caddy's):
// only bytes that can appear in a URI host with an optional port — letters, digits, the
// unreserved "-._~", the sub-delims "!$&'()*+,;=", '%' (percent-escapes, IPv6 zone ids), ':'
// and the IPv6 brackets. Like Go, this is a byte-set check, not a full RFC 3986 parse: it keeps
// spaces, quotes, angle brackets, '/', '@' and controls out of everything that echoes the host
// ({host}, SERVER_NAME, HTTP_HOST, redirects, logs), and the empty value stays allowed.
//
// Threads: any (a pure function).
#pragma once

#include <string_view>

namespace pogo::server {

bool valid_host_header(std::string_view value);

}  // namespace pogo::server
