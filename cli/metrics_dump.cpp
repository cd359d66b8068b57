#include "cli/metrics_dump.h"

#include <pthread.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "metrics/registry.h"
#include "server/log.h"

namespace pogo::cli {

namespace {
sigset_t usr2_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR2);
  return set;
}
}  // namespace

MetricsDump::MetricsDump() {
  const char* path = std::getenv("POGO_METRICS_DUMP");
  if (!path || !*path) return;
  path_ = path;
  sigset_t set = usr2_set();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // inherited by every thread started after this
  thread_ = std::thread([this] { run(); });
}

MetricsDump::~MetricsDump() {
  if (!thread_.joinable()) return;
  stopping_.store(true);
  pthread_kill(thread_.native_handle(), SIGUSR2);  // wakes its sigwait
  thread_.join();
}

void MetricsDump::run() {
  sigset_t set = usr2_set();
  for (;;) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) continue;
    if (stopping_.load()) return;
    const std::string tmp = path_ + ".tmp";
    {
      std::ofstream out(tmp, std::ios::trunc);
      out << metrics::render();
      if (!out) {
        log::error("pogo", "POGO_METRICS_DUMP: cannot write the metrics", {{"path", tmp}});
        continue;
      }
    }
    if (std::rename(tmp.c_str(), path_.c_str()) != 0)
      log::error("pogo", "POGO_METRICS_DUMP: cannot rename the metrics file", {{"path", path_}});
  }
}

}  // namespace pogo::cli
