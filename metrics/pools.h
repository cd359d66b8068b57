// Pogo's own metrics for its job pools, per `pool` label, kept for the life of the process (a
// reload that rebuilds the pools keeps counting into the same series): jobs by outcome, histograms
// of the time a job waited in its queue and of the time it ran, and the jobs running now. The
// pool's thread count and queue depth are the runtime's gauges, reported by the collector it
// registers; their names and HELP texts are here so both sides print the same.
//
// A job has exactly one outcome: ok (its worker returned a result), error (it failed, or the pool
// shut down before it ran), timeout (pogo_await gave up waiting for it), cancelled (the request
// ended without awaiting it while it was queued), expired (it waited longer than max_wait).
//
// Threads: pool_counters() on the thread building a pool; the counters from any thread.
#pragma once

#include <array>
#include <string>

#include "metrics/counter.h"
#include "metrics/histogram.h"
#include "metrics/writer.h"

namespace pogo::metrics {

enum class JobOutcome : uint8_t { Ok, Error, Timeout, Cancelled, Expired };
inline constexpr size_t kJobOutcomes = 5;
const char* to_string(JobOutcome o);

struct PoolCounters {
  std::array<Counter, kJobOutcomes> jobs;
  Histogram queue_wait{default_duration_buckets(), 1e9};  // nanoseconds
  Histogram run{default_duration_buckets(), 1e9};
  Gauge busy;  // jobs running now, across every live runtime
};

PoolCounters& pool_counters(const std::string& pool);
void collect_pools(Writer& w);

namespace pogo_pool {
inline constexpr const char* kWorkers = "pogo_pool_workers";
inline constexpr const char* kWorkersHelp = "Number of worker threads of this pool";
inline constexpr const char* kQueueDepth = "pogo_pool_queue_depth";
inline constexpr const char* kQueueDepthHelp = "Number of jobs queued for this pool";
}  // namespace pogo_pool

}  // namespace pogo::metrics
