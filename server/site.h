// A Site is what one server serves for a set of hosts: a chain of handlers run in order on each
// request until one decides the response. The decision is plain data (an Action), so the
// connection that executes it stays independent of which handlers exist. A configuration's
// directives are Handlers in server/routes/ that either change the Request and pass, or answer. What they ask of the response (headers, encoding) is
// left in the Request's ResponseFilters, which the connection applies to whatever answers.
//
// Threads: built on the main thread before the loops start, then immutable; handle() runs on
// any loop thread concurrently (handlers keep no per-request state).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "server/backend.h"
#include "server/exchange.h"
#include "server/request.h"

namespace pogo::server {

// Answer directly (errors, redirects).
struct Respond {
  int status = 200;
  std::vector<Header> headers;
  std::string body;
  // A handler error (the error directive, file_server's 404): the site's handle_errors routes may
  // answer it instead; without one that handles the status, this response goes out as it is.
  bool error = false;
  std::string error_message;
};
// Serve this file (absolute real path inside the root) with static-file semantics.
struct ServeFile {
  std::string file;
  std::string type_of;          // when set, the Content-Type comes from this name (precompressed sidecars)
  std::vector<Header> headers;  // added to the file's headers (Content-Encoding, Vary)
  int status = 0;               // when set, replaces a 200
};
// Hand the request (its CGI fields now filled in) to this backend.
struct ToBackend {
  Backend* backend = nullptr;
};
using Action = std::variant<Respond, ServeFile, ToBackend>;

class Handler {
 public:
  virtual ~Handler() = default;
  // Loop thread. `r.head.path` is the cleaned, decoded path. nullopt passes to the next handler.
  virtual std::optional<Action> handle(Request& r) const = 0;
};

// One handle_errors block: the statuses it handles (none: every error) and its route.
struct ErrorRoute {
  std::vector<int> codes;    // 404
  std::vector<int> classes;  // 4 for 4xx
  std::unique_ptr<Handler> route;
  bool handles(int status) const;
};

class Site {
 public:
  std::vector<std::string> hosts;  // empty: any host
  std::vector<std::unique_ptr<Handler>> chain;
  int unhandled_status = 404;  // a request no handler answers (Caddy answers 200 with no body)
  // handle_errors, most specific first; empty (the common case) costs nothing per request.
  std::vector<ErrorRoute> errors;

  // The route that answers an error with this status, or nullptr.
  const Handler* error_route(int status) const;

  // Runs the chain. What handlers ask of the response is left in `r.filters`.
  Action route(Request& r) const;
  Action route(RequestHead& req) const;
};

// The sites of one listener, chosen by the request's Host (port ignored, case-insensitive), most
// specific first: an exact name, then a "*.example.com" wildcard (one label), then the first site
// without hosts.
class SiteTable {
 public:
  void add(std::unique_ptr<Site> site) { sites_.push_back(std::move(site)); }
  bool empty() const { return sites_.empty(); }
  // nullptr when no site serves this host.
  const Site* find(std::string_view host_header) const;
  // find(), else the first site.
  const Site& match(std::string_view host_header) const;
  // Answer for hosts no site serves: false falls back to the first site (the admin API's
  // server), a configuration's server answers an empty 200 as Caddy does.
  bool unmatched_host_empty_200 = false;

 private:
  std::vector<std::unique_ptr<Site>> sites_;
};

// A small text/plain response.
Respond make_error_response(int status);
// make_error_response() marked as a handler error (Respond::error) for handle_errors.
Respond make_handler_error(int status, std::string message = {});

}  // namespace pogo::server
