// The Pogo runtime of this process: the pools by name, built once at start-up from the pool
// configuration and installed with set_runtime() for the pogo_* PHP functions. Without one,
// those functions throw `Pogo is not configured`.
//
// While it lives, the runtime reports each pool's threads and queue depth to the metrics registry
// (pogo_pool_workers, pogo_pool_queue_depth; the jobs' own counters are in metrics/pools.h).
//
// Threads: built, installed and shut down on the controlling thread (a reload installs the next
// runtime while requests of the previous configuration still run; they find pools by name in the
// installed one); find() from any thread in between.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/registry.h"
#include "pogo/pool.h"

namespace pogo::jobs {

class Runtime {
 public:
  // Starts every pool (its threads through `launcher`). Throws std::invalid_argument for a
  // duplicate or empty pool name, or num_threads == 0.
  Runtime(const std::vector<PoolConfig>& pools, const WorkerLauncher& launcher, SpinPolicy spin = {});
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;
  ~Runtime();  // shutdown()

  Pool* find(std::string_view name) const;
  // Every pool's threads' rows of /frankenphp/threads, pools in name order. Any thread.
  std::vector<sapi::ThreadDebugState> debug_states() const;
  // Every pool: pending jobs fail, threads are joined.
  void shutdown();
  const SpinPolicy& spin() const { return spin_; }

 private:
  SpinPolicy spin_;
  std::map<std::string, std::unique_ptr<Pool>, std::less<>> pools_;
  metrics::Registration metrics_;  // last: unregistered before the pools go
};

// The installed runtime, or nullptr. set_runtime(nullptr) before destroying it.
void set_runtime(Runtime* runtime);
Runtime* runtime();
// set_runtime(nullptr) if `runtime` is the installed one (a reload may have installed the next).
void clear_runtime(Runtime* runtime);

}  // namespace pogo::jobs
