// The seam between the core, which runs a request, and server/routes/, which decides what answers
// it: the core calls a Router; server/routes/ implements it (SiteTable: the sites of one listener,
// chosen by Host, each a chain of handlers). The dependency runs one way: server/routes/ includes
// the core, the core includes nothing of server/routes/ (tests/layers checks it).
//
// Why an abstract class rather than opaque types and free functions defined in routes/: the core
// then depends on routes/ neither by include nor by link, and a test can route with its own
// Router. The cost is one virtual call per request (route()); handle_errors' calls are made only
// for a request whose site has error routes and that ends in an error.
//
// Threads: a Router is built on the main thread before the loops start, then immutable; route()
// and the ErrorRoutes and ResponseRoutes it hands out are called on any loop thread concurrently.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "server/action.h"
#include "server/request.h"

namespace pogo::server {

// The handle_errors routes of the site a request was routed through.
class ErrorRoutes {
 public:
  // Whether some route answers an error with this status.
  virtual bool handles(int status) const = 0;
  // Runs the route that answers `status` (handles(status) is true) on `r`, whose `error` is set.
  // nullopt when the route wrote nothing.
  virtual std::optional<Action> answer(int status, Request& r) const = 0;

 protected:
  ~ErrorRoutes() = default;  // not owned through this interface
};

// intercept's and reverse_proxy's response routes: entries chosen by the head of a response (its
// status and header fields), each a replace_status (the status changes, the response goes on) or
// a handle_response route that answers in its place (the stream drops the response then, unless
// the route answers nothing, or copy_response).
class ResponseRoutes {
 public:
  // The first entry whose response matcher holds, or -1.
  virtual int match(int status, const std::vector<Header>& headers) const = 0;
  // Entry `i`'s replace_status code, or 0 for a handle_response.
  virtual int replace_status(int i) const = 0;
  // Runs entry `i`'s route on `r`, whose `response` is set. nullopt when the route wrote nothing.
  virtual std::optional<Action> answer(int i, Request& r) const = 0;

 protected:
  ~ResponseRoutes() = default;  // not owned through this interface
};

class Router {
 public:
  virtual ~Router() = default;
  // Routes `r` through the site serving `host` (the Host header's value, "" when none: port
  // ignored, case-insensitive) and returns what answers it; what the handlers ask of the response
  // is left in `r.filters`. A host no site serves gets the router's own answer (Caddy's empty 200,
  // or the first site). `errors` is set to the site's handle_errors routes when it has any, and
  // left as it is otherwise (the common case costs nothing).
  virtual Action route(std::string_view host, Request& r, const ErrorRoutes*& errors) const = 0;
};

}  // namespace pogo::server
