// Base64url without padding (RFC 4648 §5, RFC 7515 §2): how a compact JWS carries its three parts.
//
// Threads: pure functions, any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pogo::mercure {

std::string base64url_encode(std::string_view bytes);
// nullopt on a character outside the alphabet, on padding ('=': a JWS never pads), or on a
// length no encoding produces (one character left over).
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace pogo::mercure
