// The HTTP side of the hub's requests, as small pure helpers: the query string's topics and
// cursors, where a token may come from, CORS, and the plain answers the hub gives.
//
// Threads: pure functions, except respond() and read_whole_body(), which act as the exchange's
// producer (the caller's thread must be the one producing its response).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/exchange.h"

namespace pogo::mercure {

inline constexpr std::string_view kHubPath = "/.well-known/mercure";
inline constexpr size_t kMaxPublishBody = 4u << 20;

// The request target's path, still percent-encoded (the subscriptions API's segments are encoded
// topics, which the decoded path would merge).
std::string_view raw_path(std::string_view uri);
// The segments after a leading '/', each percent-decoded ('+' stays a plus).
std::vector<std::string> path_segments(std::string_view path);
std::string percent_encode(std::string_view text);  // everything but RFC 3986's unreserved
// /.well-known/mercure/subscriptions/{topic}/{subscriber}, both percent-encoded.
std::string subscription_path(const std::string& topic, const std::string& subscriber);

struct Query {
  std::vector<std::string> topics;
  std::optional<std::string> last_event_id;  // lastEventID or last_event_id
  std::string authorization;                 // the `authorization` parameter
};
Query parse_query(std::string_view query);

// The token: the Authorization header's Bearer, else the mercureAuthorization cookie, else the
// `authorization` query parameter.
struct Token {
  std::string value;
  bool from_cookie = false;
};
Token find_token(const server::RequestHead& h, const Query& q);

// Origin, or the scheme://host[:port] of the Referer; "" when neither.
std::string request_origin(const server::RequestHead& h);
bool origin_allowed(std::string_view origin, const std::vector<std::string>& allowed);
// The CORS response headers for a request from an allowed Origin; none otherwise.
std::vector<server::Header> cors_headers(const server::RequestHead& h, const std::vector<std::string>& allowed);

bool starts_with_nocase(std::string_view s, std::string_view prefix);

void respond(server::Exchange& ex, int status, std::string_view body, std::vector<server::Header> headers = {});
// A CORS preflight: 200 with the allowed methods and headers for an allowed origin, 403 otherwise.
void preflight(server::Exchange& ex, const std::vector<std::string>& allowed);
// The whole request body, or false when it is longer than `limit`.
bool read_whole_body(server::Exchange& ex, std::string* out, size_t limit);

}  // namespace pogo::mercure
