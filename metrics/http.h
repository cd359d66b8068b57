// Caddy's HTTP metrics (its `metrics` global option): per server and handler, the requests in
// flight, the requests and the error responses; per server, handler, code and method, histograms
// of the duration, the request and response sizes and the time to the first response byte. The
// names, labels, HELP texts and buckets are Caddy's (modules/caddyhttp/metrics.go); so are the
// label values: the method is one of the nine standard ones as sent (upper or lower case) or
// OTHER, the code 0 counts as 200.
//
// `handler` is what answered the request, as Pogo's routes end: "php" (a PHP script or worker),
// "file_server" (a static file, its 404 included), "static_response" (respond, redir, and the
// answers the server makes itself: errors before routing, no site for the host).
//
// An HttpServerMetrics lives as long as the process (http_server(): one per server name), so a
// reload neither resets its counters nor leaves a loop counting into freed memory. The series of
// a (handler, method, code) are allocated the first time one is seen, once; after that counting is
// lock-free and allocation-free (relaxed atomics on the thread's shard).
//
// Threads: http_server() on the main thread while configuring; begin()/end() on loop threads;
// collect_http() from any thread.
#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <string>
#include <string_view>

#include "metrics/counter.h"
#include "metrics/histogram.h"
#include "metrics/writer.h"

namespace pogo::metrics {

enum class HttpHandler : uint8_t { StaticResponse, FileServer, Php, ReverseProxy };
inline constexpr size_t kHttpHandlers = 4;
const char* to_string(HttpHandler h);

// Caddy's method label: an index into GET HEAD PUT POST DELETE CONNECT OPTIONS TRACE PATCH OTHER.
size_t method_index(std::string_view method);
inline constexpr size_t kMethods = 10;

struct HttpObservation {
  HttpHandler handler = HttpHandler::StaticResponse;
  std::string_view method;
  int code = 0;
  bool error = false;             // a middleware error in Caddy's terms: an error response the server made
  uint64_t duration_ns = 0;       // first request byte to the response's end
  uint64_t first_byte_ns = 0;     // first request byte to the response head
  uint64_t request_bytes = 0;     // Caddy's approximation (computeApproximateRequestSize)
  uint64_t response_bytes = 0;    // the body as sent
};

class HttpServerMetrics {
 public:
  explicit HttpServerMetrics(std::string name);
  ~HttpServerMetrics();
  HttpServerMetrics(const HttpServerMetrics&) = delete;
  HttpServerMetrics& operator=(const HttpServerMetrics&) = delete;

  const std::string& name() const { return name_; }
  void begin(HttpHandler h) { routes_[size_t(h)].in_flight.inc(); }
  void end(const HttpObservation& o);
  void collect(Writer& w) const;

 private:
  static constexpr int kFirstCode = 100, kCodes = 500;  // 100..599; others are clamped
  struct Series;  // the four histograms of one (handler, method, code)
  struct Route {
    Gauge in_flight;
    Counter requests, errors;
    std::array<std::atomic<Series*>, kMethods * kCodes> series{};
  };
  Series& series(Route& r, size_t method, int code);

  const std::string name_;
  std::array<Route, kHttpHandlers> routes_;
};

// The metrics of the server named `name` (srv0, srv1, ... or `servers { name }`), made on first use.
HttpServerMetrics& http_server(const std::string& name);
void collect_http(Writer& w);

}  // namespace pogo::metrics
