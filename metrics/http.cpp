#include "metrics/http.h"

#include <list>
#include <mutex>

namespace pogo::metrics {

namespace {

constexpr std::string_view kMethodNames[kMethods] = {"GET",     "HEAD",    "PUT",   "POST",  "DELETE",
                                                     "CONNECT", "OPTIONS", "TRACE", "PATCH", "OTHER"};

bool upper_or_lower(std::string_view m, std::string_view upper) {
  if (m.size() != upper.size()) return false;
  if (m == upper) return true;
  for (size_t i = 0; i < m.size(); ++i)
    if (m[i] != char(upper[i] - 'A' + 'a')) return false;
  return true;
}

struct Servers {
  std::mutex mu;
  std::list<HttpServerMetrics> list;  // stable addresses; never shrinks
};

Servers& servers() {
  static Servers* s = new Servers;  // loops may still count while the process exits
  return *s;
}

}  // namespace

const char* to_string(HttpHandler h) {
  switch (h) {
    case HttpHandler::StaticResponse: return "static_response";
    case HttpHandler::FileServer: return "file_server";
    case HttpHandler::Php: return "php";
    case HttpHandler::ReverseProxy: return "reverse_proxy";
  }
  return "?";
}

size_t method_index(std::string_view method) {
  for (size_t i = 0; i + 1 < kMethods; ++i)
    if (upper_or_lower(method, kMethodNames[i])) return i;
  return kMethods - 1;
}

struct HttpServerMetrics::Series {
  Histogram duration{default_duration_buckets(), 1e9};
  Histogram request_size{exponential_buckets(256, 4, 8), 1};
  Histogram response_size{exponential_buckets(256, 4, 8), 1};
  Histogram first_byte{default_duration_buckets(), 1e9};
};

HttpServerMetrics::HttpServerMetrics(std::string name) : name_(std::move(name)) {}

HttpServerMetrics::~HttpServerMetrics() {
  for (Route& r : routes_)
    for (auto& s : r.series) delete s.load(std::memory_order_acquire);
}

HttpServerMetrics::Series& HttpServerMetrics::series(Route& r, size_t method, int code) {
  if (code == 0) code = 200;
  if (code < kFirstCode) code = kFirstCode;
  if (code >= kFirstCode + kCodes) code = kFirstCode + kCodes - 1;
  std::atomic<Series*>& slot = r.series[method * kCodes + size_t(code - kFirstCode)];
  Series* s = slot.load(std::memory_order_acquire);
  if (s) return *s;
  // First time this label set is seen: allocate once. A loop racing us keeps its own copy out.
  auto fresh = std::make_unique<Series>();
  if (slot.compare_exchange_strong(s, fresh.get(), std::memory_order_acq_rel, std::memory_order_acquire))
    return *fresh.release();
  return *s;
}

void HttpServerMetrics::end(const HttpObservation& o) {
  Route& r = routes_[size_t(o.handler)];
  r.in_flight.dec();
  r.requests.inc();
  if (o.error) r.errors.inc();
  Series& s = series(r, method_index(o.method), o.code);
  s.duration.observe(o.duration_ns);
  s.request_size.observe(o.request_bytes);
  s.response_size.observe(o.response_bytes);
  s.first_byte.observe(o.first_byte_ns);
}

void HttpServerMetrics::collect(Writer& w) const {
  for (size_t h = 0; h < kHttpHandlers; ++h) {
    const Route& r = routes_[h];
    const char* handler = to_string(HttpHandler(h));
    uint64_t requests = r.requests.value();
    int64_t in_flight = r.in_flight.value();
    if (!requests && !in_flight) continue;  // a handler this server never used has no series
    Labels basic{{"server", name_}, {"handler", handler}};
    w.gauge("caddy_http_requests_in_flight", "Number of requests currently handled by this server.", basic,
            double(in_flight));
    w.counter("caddy_http_requests_total", "Counter of HTTP(S) requests made.", basic, double(requests));
    w.counter("caddy_http_request_errors_total", "Number of requests resulting in middleware errors.", basic,
              double(r.errors.value()));
    for (size_t m = 0; m < kMethods; ++m) {
      for (int c = 0; c < kCodes; ++c) {
        const Series* s = r.series[m * kCodes + size_t(c)].load(std::memory_order_acquire);
        if (!s) continue;
        const std::string code = std::to_string(kFirstCode + c);
        Labels l{{"server", name_}, {"handler", handler}, {"code", code}, {"method", kMethodNames[m]}};
        w.histogram("caddy_http_request_duration_seconds", "Histogram of round-trip request durations.", l,
                    s->duration.snapshot());
        w.histogram("caddy_http_request_size_bytes", "Total size of the request. Includes body", l,
                    s->request_size.snapshot());
        w.histogram("caddy_http_response_size_bytes", "Size of the returned response.", l,
                    s->response_size.snapshot());
        w.histogram("caddy_http_response_duration_seconds", "Histogram of times to first byte in response bodies.",
                    l, s->first_byte.snapshot());
      }
    }
  }
}

HttpServerMetrics& http_server(const std::string& name) {
  Servers& s = servers();
  std::lock_guard lk(s.mu);
  for (HttpServerMetrics& m : s.list)
    if (m.name() == name) return m;
  return s.list.emplace_back(name);
}

void collect_http(Writer& w) {
  Servers& s = servers();
  std::lock_guard lk(s.mu);
  for (const HttpServerMetrics& m : s.list) m.collect(w);
}

}  // namespace pogo::metrics
