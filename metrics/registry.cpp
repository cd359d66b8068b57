#include "metrics/registry.h"

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <tuple>

#include "metrics/http.h"
#include "metrics/php_workers.h"
#include "metrics/pools.h"

namespace pogo::metrics {

namespace {

struct Collectors {
  std::mutex mu;
  uint64_t next = 1;
  std::map<uint64_t, std::function<void(Writer&)>> by_id;  // ordered: a stable calling order
};

Collectors& collectors() {
  static Collectors* c = new Collectors;  // never destroyed: registrations may end during exit
  return *c;
}

std::atomic<int> g_reload_ok{-1};            // -1: never loaded
std::atomic<double> g_reload_success_at{0};  // unix seconds

struct AdminRequests {
  std::mutex mu;
  std::map<std::tuple<std::string, std::string, std::string, std::string>, uint64_t> counts;
};

AdminRequests& admin_requests() {
  static AdminRequests* a = new AdminRequests;
  return *a;
}

std::string sanitize_admin_method(std::string_view m) {
  std::string out(m);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = char(c - 'a' + 'A');
  return out;
}

void collect_config_and_admin(Writer& w) {
  int ok = g_reload_ok.load(std::memory_order_relaxed);
  if (ok >= 0) {
    w.gauge("caddy_config_last_reload_successful", "Whether the last configuration reload attempt was successful.",
            {}, ok);
    w.gauge("caddy_config_last_reload_success_timestamp_seconds",
            "Timestamp of the last successful configuration reload.", {},
            g_reload_success_at.load(std::memory_order_relaxed));
  }
  AdminRequests& a = admin_requests();
  std::lock_guard lk(a.mu);
  for (const auto& [key, n] : a.counts) {
    const auto& [handler, path, code, method] = key;
    w.counter("caddy_admin_http_requests_total", "Counter of requests made to the Admin API's HTTP endpoints.",
              {{"handler", handler}, {"path", path}, {"code", code}, {"method", method}}, double(n));
  }
}

}  // namespace

Registration& Registration::operator=(Registration&& o) noexcept {
  if (this != &o) {
    reset();
    id_ = o.id_;
    o.id_ = 0;
  }
  return *this;
}

Registration::~Registration() { reset(); }

void Registration::reset() {
  if (!id_) return;
  Collectors& c = collectors();
  std::lock_guard lk(c.mu);
  c.by_id.erase(id_);
  id_ = 0;
}

Registration add_collector(std::function<void(Writer&)> collector) {
  Collectors& c = collectors();
  std::lock_guard lk(c.mu);
  uint64_t id = c.next++;
  c.by_id.emplace(id, std::move(collector));
  return Registration(id);
}

std::string render() {
  Writer w;
  {
    Collectors& c = collectors();
    std::lock_guard lk(c.mu);
    for (auto& [id, collect] : c.by_id) collect(w);
  }
  collect_http(w);
  collect_php_workers(w);
  collect_pools(w);
  collect_config_and_admin(w);
  collect_process(w);
  return w.text();
}

void config_loaded(bool ok) {
  if (ok) {
    double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    g_reload_success_at.store(now, std::memory_order_relaxed);
  }
  g_reload_ok.store(ok ? 1 : 0, std::memory_order_relaxed);
}

void admin_request(std::string_view handler, std::string_view path, std::string_view method, int code) {
  std::string c = code == 0 || code == 200 ? "200" : std::to_string(code);
  AdminRequests& a = admin_requests();
  std::lock_guard lk(a.mu);
  ++a.counts[{std::string(handler), std::string(path), std::move(c), sanitize_admin_method(method)}];
}

}  // namespace pogo::metrics
