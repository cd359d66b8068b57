// A Site is what one server serves for a set of hosts: a chain of handlers run in order on each
// request until one decides the response. The decision is plain data (an Action, server/action.h),
// so the stream that executes it stays independent of which handlers exist. A configuration's
// directives are Handlers in server/routes/ that either change the Request and pass, or answer.
// What they ask of the response (headers, encoding) is left in the Request's ResponseFilters,
// which the stream applies to whatever answers. A SiteTable (the sites of one listener) is the
// Router the core calls (server/router.h); a Site is the ErrorRoutes of its handle_errors blocks.
//
// Threads: built on the main thread before the loops start, then immutable; route() and
// handle() run on any loop thread concurrently (handlers keep no per-request state).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/action.h"
#include "server/request.h"
#include "server/router.h"

namespace pogo::server {

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

class Site final : public ErrorRoutes {
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

  // ErrorRoutes
  bool handles(int status) const override { return error_route(status) != nullptr; }
  std::optional<Action> answer(int status, Request& r) const override;
};

// The sites of one listener, chosen by the request's Host (port ignored, case-insensitive), most
// specific first: an exact name, then a "*.example.com" wildcard (one label), then the first site
// without hosts.
class SiteTable final : public Router {
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

  // Router: find(), then the site's chain; a host no site serves gets the policy above.
  Action route(std::string_view host, Request& r, const ErrorRoutes*& errors) const override;

 private:
  std::vector<std::unique_ptr<Site>> sites_;
};

}  // namespace pogo::server
