// Reading and editing the configuration document at a path of the admin API, with Caddy's
// semantics for `/config/[path]`:
//
//  - GET: the value at the path (`null` for a key the object does not have);
//  - POST: appends to an array (path ending in `/...`: appends each element of an array body),
//    else sets or creates the key;
//  - PUT: creates a key that must not exist (409), or inserts into an array at an index, creating
//    missing objects on the way;
//  - PATCH: replaces a key that must exist (404) or an array element;
//  - DELETE: removes a key that must exist (404) or an array element.
//
// Paths are "/config/apps/frankenphp" or "/config/sites/0/handlers"; the leading "config"
// segment names the document itself. Errors are AdminErrors with Caddy's messages and statuses.
// Etags are `"<path> <hash of the value at path>"`, as Caddy makes them, for If-Match.
//
// Threads: pure functions, any thread.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace pogo::admin {

// The value at `path` (GET).
nlohmann::json config_get(const nlohmann::json& root, std::string_view path);

// Applies POST, PUT, PATCH or DELETE at `path` to `root` (a copy is made by the caller when the
// edit may be refused). `body` is the request body, parsed (absent for DELETE).
void config_edit(nlohmann::json& root, std::string_view method, std::string_view path,
                 const std::optional<nlohmann::json>& body);

// The Etag of the value at `path`, quotes included.
std::string config_etag(const nlohmann::json& root, std::string_view path);

// Checks an If-Match header against `root`: 400 when malformed, 412 when it does not match.
void check_if_match(const nlohmann::json& root, std::string_view if_match);

}  // namespace pogo::admin
