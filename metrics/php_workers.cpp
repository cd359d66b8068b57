#include "metrics/php_workers.h"

#include "metrics/labelled.h"

namespace pogo::metrics {

namespace {

Labelled<WorkerCounters>& workers() {
  static auto* w = new Labelled<WorkerCounters>;  // PHP threads may still count while the process exits
  return *w;
}

}  // namespace

WorkerCounters& worker_counters(const std::string& label) { return workers().get(label); }

void collect_php_workers(Writer& w) {
  workers().each([&](const std::string& label, const WorkerCounters& c) {
    Labels l{{"worker", label}};
    // FrankenPHP registers these two without a HELP text; its exposition has an empty one.
    w.counter("frankenphp_worker_request_count", "", l, double(c.requests.value()));
    w.counter("frankenphp_worker_request_time", "", l, double(c.request_ns.value()) / 1e9);
    w.counter("frankenphp_worker_crashes", "Number of PHP worker crashes for this worker", l,
              double(c.crashes.value()));
    w.counter("frankenphp_worker_restarts", "Number of PHP worker restarts for this worker", l,
              double(c.restarts.value()));
  });
}

}  // namespace pogo::metrics
