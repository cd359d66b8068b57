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
#include <string_view>
#include <vector>

#include "server/exchange.h"

namespace caddyfile {
struct EncodeSpec;
}

namespace pogo::server {

class AccessLog;
class HeaderOps;
class ResponseRoutes;
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
  // `intercept`: the response routes tried on the head of whatever answers, innermost last
  // (server/router.h; the routes outlive every request).
  std::vector<const ResponseRoutes*> intercepts;
  // The fields the response starts with, under its own: the intercepted response's (Caddy keeps
  // them in the response writer) or the upstream's that copy_response_headers took. A field the
  // answer sets replaces them; file_server's and respond's Content-Type give way to theirs, as
  // Caddy's set one only when none is set.
  std::vector<Header> base_headers;
  bool empty() const { return header_ops.empty() && !encode; }
  // No filter at all, in place: every request of a connection clears its stream's, and a fresh
  // one moved over costs several times more. A field added above must be cleared here too.
  void clear() {
    header_ops.clear();
    encode.reset();
    encoding.clear();
    access_log = nullptr;
    user_id.clear();
    vulcain.reset();
    intercepts.clear();
    base_headers.clear();
  }
};
static_assert(sizeof(void*) != 8 || sizeof(ResponseFilters) == 176, "ResponseFilters changed: update clear()");

// What the last file matcher, try_files or php_server lookup found: `{http.matchers.file.*}`.
// Kept apart from `vars` so that setting it per request costs no map nodes.
struct FileMatchVars {
  bool set = false;
  std::string relative;   // the candidate's cleaned path ("/index.php")
  std::string absolute;   // root + relative
  std::string remainder;  // after the split_path delimiter
  void clear() {  // unset, keeping the strings' capacity
    set = false;
    relative.clear();
    absolute.clear();
    remainder.clear();
  }
};

// The response a handle_response route was chosen for: what `{resp.*}` (intercept's
// `{http.intercept.*}`) or `{rp.*}` (reverse_proxy's `{http.reverse_proxy.*}`) read, and what
// copy_response_headers copies.
struct HandledResponse {
  int status = 0;
  const std::vector<Header>* headers = nullptr;  // outlives the routes' run
  bool from_proxy = false;  // reverse_proxy's handle_response; else intercept's
};

// The error a handle_errors route answers: what `{err.*}` placeholders read.
struct HttpError {
  int status = 500;
  std::string message;  // {err.message}
  std::string trace;    // {err.trace}: where it happened, when known
  std::string id;       // {err.id}: random, to find the request's log line
};

struct Request {
  explicit Request(RequestHead& h)
      : head(h), original_storage(h.path), original_path(original_storage), file_match(file_match_storage) {}
  // `original` and `file_match_buffer`: buffers of the caller's that outlive the request (a
  // stream's, whose capacity is reused from request to request) for the path before rewrites and
  // for what try_files found.
  Request(RequestHead& h, std::string& original, FileMatchVars& file_match_buffer)
      : head(h), file_match(file_match_buffer) {
    original.assign(h.path);
    original_path = original;
    file_match.clear();
  }
  Request(const Request&) = delete;
  Request& operator=(const Request&) = delete;

  RequestHead& head;
  std::string original_storage;           // (the one-argument constructor's copy)
  std::string_view original_path;         // before any rewrite (`{http.request.orig_uri.path}`)
  // h.path right after a rewrite to a target written without a leading '/' (`rewrite @x
  // index.php`). Caddy keeps such a path as written, so only a path pattern written the same way
  // (`path index.php`) matches it; h.path keeps its '/' for everything else. Stale once h.path moves.
  std::string relative_rewrite;
  std::map<std::string, std::string> vars;  // placeholders set by matchers and handlers, by full name
  FileMatchVars file_match_storage;       // (the one-argument constructor's)
  FileMatchVars& file_match;              // {http.matchers.file.*}
  // `root` directive: absolute; "" = the current directory. A view of the handler's own text (a
  // literal root, compiled at start-up) or of root_storage (one with placeholders): either
  // outlives the request.
  std::string_view root;
  std::string root_storage;
  std::optional<uint64_t> max_body_size;  // request_body
  bool stream_body = false;               // request_body { buffer off }
  ResponseFilters filters;
  const HttpError* error = nullptr;       // inside handle_errors: the error being handled
  const HandledResponse* response = nullptr;  // inside handle_response: the response being handled
};

}  // namespace pogo::server
