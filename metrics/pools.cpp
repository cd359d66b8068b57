#include "metrics/pools.h"

#include "metrics/labelled.h"

namespace pogo::metrics {

namespace {

Labelled<PoolCounters>& pools() {
  static auto* p = new Labelled<PoolCounters>;  // pool threads may still count while the process exits
  return *p;
}

}  // namespace

const char* to_string(JobOutcome o) {
  switch (o) {
    case JobOutcome::Ok: return "ok";
    case JobOutcome::Error: return "error";
    case JobOutcome::Timeout: return "timeout";
    case JobOutcome::Cancelled: return "cancelled";
    case JobOutcome::Expired: return "expired";
  }
  return "?";
}

PoolCounters& pool_counters(const std::string& pool) { return pools().get(pool); }

void collect_pools(Writer& w) {
  pools().each([&](const std::string& name, const PoolCounters& c) {
    Labels l{{"pool", name}};
    w.gauge("pogo_pool_busy_workers", "Number of busy worker threads of this pool", l, double(c.busy.value()));
    for (size_t o = 0; o < kJobOutcomes; ++o)
      w.counter("pogo_jobs_total", "Number of jobs dispatched to this pool, by outcome",
                {{"pool", name}, {"outcome", to_string(JobOutcome(o))}}, double(c.jobs[o].value()));
    w.histogram("pogo_job_queue_wait_seconds", "Time jobs of this pool waited in its queue for a worker", l,
                c.queue_wait.snapshot());
    w.histogram("pogo_job_run_seconds", "Time jobs of this pool ran on a worker", l, c.run.snapshot());
  });
}

}  // namespace pogo::metrics
