#include "metrics/php_workers.h"

#include <map>
#include <mutex>

namespace pogo::metrics {

namespace {

struct Workers {
  std::mutex mu;
  std::map<std::string, WorkerCounters> by_label;  // node-based: references stay valid
};

Workers& workers() {
  static Workers* w = new Workers;  // PHP threads may still count while the process exits
  return *w;
}

}  // namespace

WorkerCounters& worker_counters(const std::string& label) {
  Workers& w = workers();
  std::lock_guard lk(w.mu);
  return w.by_label[label];
}

void collect_php_workers(Writer& w) {
  Workers& all = workers();
  std::lock_guard lk(all.mu);
  for (const auto& [label, c] : all.by_label) {
    Labels l{{"worker", label}};
    // FrankenPHP registers these two without a HELP text; its exposition has an empty one.
    w.counter("frankenphp_worker_request_count", "", l, double(c.requests.value()));
    w.counter("frankenphp_worker_request_time", "", l, double(c.request_ns.value()) / 1e9);
    w.counter("frankenphp_worker_crashes", "Number of PHP worker crashes for this worker", l,
              double(c.crashes.value()));
    w.counter("frankenphp_worker_restarts", "Number of PHP worker restarts for this worker", l,
              double(c.restarts.value()));
  }
}

}  // namespace pogo::metrics
