// Active health checks of one reverse_proxy's upstreams: a thread of its own sends
// `GET health_uri` to each upstream every health_interval, off the event loops (blocking sockets,
// each step bounded by health_timeout), and records the verdict in the upstream's UpstreamHealth,
// which the loops read when they choose an upstream. An upstream is available until a check says
// otherwise (as Caddy, which starts with every upstream healthy).
//
// Threads: constructed and destroyed on the main thread (the destructor stops and joins its thread,
// within about 100 ms even in the middle of a check); the check thread writes UpstreamHealth only.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "server/proxy.h"

namespace pogo::server {

class HealthChecker {
 public:
  // `s` (with its health records) outlives the checker. Starts checking at once.
  explicit HealthChecker(const ProxySettings& s);
  ~HealthChecker();
  HealthChecker(const HealthChecker&) = delete;
  HealthChecker& operator=(const HealthChecker&) = delete;

  // One check of `u` now: true when it answered health_uri with health_status in time.
  bool check(const UpstreamAddress& u) const;

 private:
  void run();

  const ProxySettings& s_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  std::thread thread_;
};

}  // namespace pogo::server
