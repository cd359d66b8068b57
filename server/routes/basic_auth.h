// `basic_auth`: HTTP Basic authentication against bcrypt hashes ($2a$/$2b$/$2y$, checked with
// libcrypt's crypt_r). A request without valid credentials gets 401 with
// `WWW-Authenticate: Basic realm="..."`; a valid one passes with `{http.auth.user.id}` set (PHP
// reads PHP_AUTH_USER/REMOTE_USER from the same Authorization header). bcrypt is slow on purpose,
// so successful checks are cached (keyed by a hash of user, password and stored hash).
//
// Threads: built on the main thread; handle() on any loop thread concurrently (the cache locks).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "caddyfile/config.h"
#include "server/routes/site.h"

namespace pogo::server {

// "user:password" from an Authorization header value, or nullopt.
std::optional<std::pair<std::string, std::string>> parse_basic_credentials(std::string_view authorization);

// True when `password` matches the bcrypt `hash`.
bool bcrypt_matches(const std::string& password, const std::string& hash);

// Throws std::runtime_error for a hash libcrypt cannot check.
std::unique_ptr<Handler> make_basic_auth_handler(caddyfile::BasicAuthSpec spec);

}  // namespace pogo::server
