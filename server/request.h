// A Request is what routing works on: the parsed head (path and query rewritable), the variables
// and matcher results that placeholders read (`{http.vars.root}`, `{re.name.1}`,
// `{file_match.relative}`), and what the chosen handlers ask of the response (header operations,
// compression, a body limit, an access log). It lives on the loop thread for one request; what
// the response needs of it is moved into the connection as ResponseFilters. In the core, not in
// routes/: the stream makes the Request its routes work on and executes the filters they leave.
//
// Threads: the loop thread that parsed the request.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "server/exchange.h"

namespace caddyfile {
struct EncodeSpec;
}

namespace pogo::server {

class AccessLog;
class HeaderOps;
struct VulcainRequest;

// What handlers asked of the response, applied by the connection to whatever produces it
// (a direct response, a static file, a backend's stream).
struct ResponseFilters {
  // Header directives in the order they ran, each with its placeholders already resolved.
  std::vector<std::shared_ptr<const HeaderOps>> header_ops;
  std::shared_ptr<const caddyfile::EncodeSpec> encode;  // `encode`: its formats, options and matcher
  std::string encoding;  // what the client accepts best of encode's formats; "" for none
  const AccessLog* access_log = nullptr;
  std::string user_id;                 // basic_auth's user, for the access log
  std::shared_ptr<const VulcainRequest> vulcain;  // `vulcain`: its options and what the request asks
  bool empty() const { return header_ops.empty() && !encode; }
};

// The error a handle_errors route answers: what `{err.*}` placeholders read.
struct HttpError {
  int status = 500;
  std::string message;  // {err.message}
  std::string trace;    // {err.trace}: where it happened, when known
  std::string id;       // {err.id}: random, to find the request's log line
};

struct Request {
  explicit Request(RequestHead& h) : head(h), original_path(h.path) {}

  RequestHead& head;
  std::string original_path;              // before any rewrite (`{http.request.orig_uri.path}`)
  // h.path right after a rewrite to a target written without a leading '/' (`rewrite @x
  // index.php`). Caddy keeps such a path as written, so only a path pattern written the same way
  // (`path index.php`) matches it; h.path keeps its '/' for everything else. Stale once h.path moves.
  std::string relative_rewrite;
  std::map<std::string, std::string> vars;  // placeholders set by matchers and handlers, by full name
  std::string root;                       // `root` directive: absolute; "" = the current directory
  std::optional<uint64_t> max_body_size;  // request_body
  bool stream_body = false;               // request_body { buffer off }
  ResponseFilters filters;
  const HttpError* error = nullptr;       // inside handle_errors: the error being handled
};

}  // namespace pogo::server
