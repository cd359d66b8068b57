// Standard base64 (RFC 4648, '+' and '/', padding optional) decoding, for the two places HTTP
// basic authentication needs it: the Caddyfile's base64-wrapped bcrypt hashes and the
// Authorization header the server checks them against.
//
// Threads: any (pure function).
#pragma once

#include <string>
#include <string_view>

namespace caddyfile {

// The decoded bytes; empty when `in` holds a character outside the alphabet. Stops at '='.
std::string base64_decode(std::string_view in);

}  // namespace caddyfile
