// FrankenPHP's per-worker counters — frankenphp_worker_request_count, frankenphp_worker_request_time
// (seconds), frankenphp_worker_crashes, frankenphp_worker_restarts, without the _total suffix and
// with the HELP texts FrankenPHP gives them — kept per `worker` label for the life of the process,
// so a reload that replaces the PHP backend does not reset them. The gauges (threads, workers,
// queues) are the backend's own, reported by the collector it registers (registry.h); their
// names and HELP texts are here so both sides print the same.
//
// Threads: worker_counters() on the thread building a backend; the counters from any thread.
#pragma once

#include <string>

#include "metrics/counter.h"
#include "metrics/writer.h"

namespace pogo::metrics {

struct WorkerCounters {
  Counter requests;
  Counter request_ns;
  Counter crashes;
  Counter restarts;
};

// The counters of the worker labelled `label` (its name, else its absolute path); made on first use.
WorkerCounters& worker_counters(const std::string& label);
void collect_php_workers(Writer& w);

// FrankenPHP's gauges, for the backend's collector.
namespace frankenphp {
inline constexpr const char* kTotalThreads = "frankenphp_total_threads";
inline constexpr const char* kTotalThreadsHelp = "Total number of PHP threads";
inline constexpr const char* kBusyThreads = "frankenphp_busy_threads";
inline constexpr const char* kBusyThreadsHelp = "Number of busy PHP threads";
inline constexpr const char* kQueueDepth = "frankenphp_queue_depth";
inline constexpr const char* kQueueDepthHelp = "Number of regular queued requests";
inline constexpr const char* kTotalWorkers = "frankenphp_total_workers";
inline constexpr const char* kTotalWorkersHelp = "Total number of PHP workers for this worker";
inline constexpr const char* kReadyWorkers = "frankenphp_ready_workers";
inline constexpr const char* kReadyWorkersHelp =
    "Running workers that have successfully called frankenphp_handle_request at least once";
inline constexpr const char* kBusyWorkers = "frankenphp_busy_workers";
inline constexpr const char* kBusyWorkersHelp = "Number of busy PHP workers for this worker";
inline constexpr const char* kWorkerQueueDepth = "frankenphp_worker_queue_depth";
inline constexpr const char* kWorkerQueueDepthHelp = "";  // FrankenPHP gives it none
}  // namespace frankenphp

}  // namespace pogo::metrics
