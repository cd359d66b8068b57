// A hidden way to read the metrics without the admin API, for tests: when POGO_METRICS_DUMP names a
// file, SIGUSR2 makes the process write metrics::render() to it (whole: written beside it, then
// renamed over it). Without the variable nothing changes (SIGUSR2 keeps its default action).
//
// Threads: construct on the main thread before any other thread starts (SIGUSR2 must be blocked in
// every thread, so only the dump thread receives it); the dump runs on its own thread.
#pragma once

#include <atomic>
#include <string>
#include <thread>

namespace pogo::cli {

class MetricsDump {
 public:
  MetricsDump();
  ~MetricsDump();
  MetricsDump(const MetricsDump&) = delete;
  MetricsDump& operator=(const MetricsDump&) = delete;

 private:
  void run();
  std::string path_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace pogo::cli
