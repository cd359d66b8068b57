// The admin API's endpoints, as Caddy and FrankenPHP serve them on `localhost:2019`:
//
//   GET /config/[path]                      the running configuration (Etag), Caddy's path rules
//   POST|PUT|PATCH|DELETE /config/[path]    edit it and reload (If-Match; Cache-Control:
//                                           must-revalidate forces a reload of the same document)
//   POST /load                              a whole configuration: JSON, or text/caddyfile
//   POST /adapt                             a Caddyfile as JSON: {"result": ..., "warnings": [...]}
//   POST /stop                              stop the process after answering
//   GET /metrics                            Prometheus metrics (the liveness probe)
//   GET /ready                              200 while serving, 503 once a shutdown began (the
//                                           readiness probe of a load balancer; Caddy has none)
//   POST /frankenphp/workers/restart        restart every worker's threads
//   GET /frankenphp/threads                 the PHP threads' states
//
// Before routing, the request passes Caddy's browser-context checks (no WebSocket upgrade, no
// `Sec-Fetch-Mode: no-cors`, no `Origin: null`), the DNS-rebinding check (its Host must be one
// the listen address allows: 403 `host not allowed: ...`) and, when it carries Origin or
// Sec-Fetch-Mode, the origin check. Every error is `{"error": "..."}` with its status, and one
// `admin.api` log line; every request is logged (`received request`, /metrics at debug).
//
// Threads: handle() on the admin thread only (one request at a time).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "admin/control.h"
#include "server/exchange.h"

namespace pogo::admin {

struct ApiRequest {
  std::string method;
  std::string path;   // decoded path, e.g. "/config/apps/frankenphp"
  std::string uri;    // as received, for the log
  const server::RequestHead* head = nullptr;  // headers, remote address
  std::string body;
};

struct ApiResponse {
  int status = 200;
  std::vector<server::Header> headers;
  std::string body;
  std::function<void()> after;  // run once the response is sent (POST /stop)
};

class Api {
 public:
  // `address`: the admin listen address ("localhost:2019", ":2019", "unix//path"). As Caddy: a
  // loopback address allows the Hosts localhost, 127.0.0.1 and [::1] with its port; another
  // address itself; a wildcard interface or a unix socket has no Host check.
  Api(Control& control, const std::string& address);
  ApiResponse handle(const ApiRequest& request);
  // The address once bound (port 0 becomes the real one). Before the first request only.
  void set_address(const std::string& address);

  const std::vector<std::string>& allowed_hosts() const { return allowed_; }
  bool enforce_host() const { return enforce_host_; }

 private:
  ApiResponse route(const ApiRequest& r);
  ApiResponse config(const ApiRequest& r);
  ApiResponse load(const ApiRequest& r);
  ApiResponse adapt(const ApiRequest& r);
  void check_browser_context(const ApiRequest& r, ApiResponse& out) const;
  ApiResponse error(const ApiRequest& r, int status, const std::string& message) const;

  Control& control_;
  std::vector<std::string> allowed_;  // host:port values (origins without a scheme)
  bool enforce_host_ = true;
};

}  // namespace pogo::admin
