// A Pool is one named set of worker threads with its own JobQueue and max_wait: dispatch() puts
// a job in line (never blocks), the pool's threads take and run it. Who the threads are is not
// the pool's business: a WorkerLauncher starts them — PHP threads running the pool's worker
// script in worker mode (sapi/), or plain C++ threads (CppWorkers: tests, benchmarks) — and they
// loop on the queue until take() returns nullptr.
//
// Threads: constructed and shut down on the main thread; dispatch()/size() from any thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "metrics/pools.h"
#include "pogo/job_queue.h"
#include "sapi/thread_activity.h"

namespace pogo::jobs {

struct PoolConfig {
  std::string name;
  std::string worker;  // the worker script, absolute
  unsigned num_threads = 1;
  std::chrono::milliseconds max_wait{30000};
};

// The threads of one pool, as started by a launcher.
class WorkerGroup {
 public:
  virtual ~WorkerGroup() = default;
  // Threads currently alive (pogo_pool_size()).
  virtual unsigned live_threads() const = 0;
  // Appends each thread's row of the admin API's /frankenphp/threads, named `name` (any thread).
  // Threads that are not PHP threads have none.
  virtual void debug_states(const std::string& name, std::vector<sapi::ThreadDebugState>& out) const {
    (void)name;
    (void)out;
  }
  // Called after the queue was closed (every take() returns nullptr): waits for the threads to end.
  virtual void join() = 0;
};

// Starts config.num_threads threads that take jobs from `queue` until it returns nullptr, run each
// and finish it (Job::finish, with a result or a JobError of kind Job). Throws std::runtime_error if
// the threads cannot start.
using WorkerLauncher = std::function<std::unique_ptr<WorkerGroup>(const PoolConfig& config, JobQueue& queue)>;

class Pool {
 public:
  Pool(PoolConfig config, const WorkerLauncher& launcher, SpinPolicy spin = {});
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;
  ~Pool();  // shutdown()

  const PoolConfig& config() const { return config_; }
  JobQueue& queue() { return queue_; }

  // Creates the job (deadline: now + max_wait) and enqueues it. Throws Error(Pool) when the pool is
  // shutting down.
  std::shared_ptr<Job> dispatch(std::string class_name, Value args);
  unsigned size() const { return workers_ ? workers_->live_threads() : 0; }
  // Its threads' rows of /frankenphp/threads ("Pogo Pool Thread - <name>"). Any thread.
  void debug_states(std::vector<sapi::ThreadDebugState>& out) const {
    if (workers_) workers_->debug_states("Pogo Pool Thread - " + config_.name, out);
  }
  // Fails queued jobs ("is shutting down"), lets running jobs finish, joins the threads.
  void shutdown();

 private:
  const PoolConfig config_;
  metrics::PoolCounters& counters_;  // process-lifetime, by pool name
  JobQueue queue_;
  std::unique_ptr<WorkerGroup> workers_;
};

}  // namespace pogo::jobs
