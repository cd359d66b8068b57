// The PHP backend of the server: regular PHP threads fed from one queue (classic mode), and the
// workers (worker_threads.h), each with its own queue. handle() only routes and enqueues: a
// request whose script_filename is a worker's file (or whose path matches one of the worker's
// `match` patterns) goes to that worker's queue, any other to the regular threads. stop() lets
// every queued request finish, then joins the threads.
//
// Thread count: num_threads (default 2 x CPUs) counts every PHP thread, workers included, and is
// raised to (worker threads + 1) so one regular thread at least remains. max_threads is accepted
// but the count does not grow under load yet. max_wait_time: a queued request that waited longer
// is answered 503 (checked when a thread takes it and by a timer thread every max_wait/4, at most
// 50 ms).
//
// Threads: constructors, stop() and the destructor on the main thread (after engine_start(), and
// before engine_stop()); handle() on the loop threads, never blocking.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "sapi/request_queue.h"
#include "sapi/thread_strategy.h"
#include "sapi/worker_config.h"
#include "server/backend.h"

namespace pogo::sapi {

class PhpThread;
class WorkerThreads;

class PhpBackend : public server::Backend {
 public:
  explicit PhpBackend(unsigned num_threads);  // 0 = 2 x CPUs; throws if the engine is not running
  // Also starts the workers and waits until each thread reached frankenphp_handle_request; throws
  // std::runtime_error (one line, naming the worker) when one fails max_consecutive_failures times.
  explicit PhpBackend(BackendOptions options);
  ~PhpBackend() override;
  PhpBackend(const PhpBackend&) = delete;
  PhpBackend& operator=(const PhpBackend&) = delete;

  void handle(std::shared_ptr<server::Exchange> exchange) override;
  void stop();

  unsigned num_threads() const { return num_threads_; }  // regular threads
  std::vector<ThreadState> thread_states() const;  // any thread; regular threads, for diagnostics and tests
  size_t replaced_threads() const;                 // any thread; regular threads
  // The worker serving `file`, or nullptr (for diagnostics and tests).
  const WorkerThreads* worker(const std::string& file) const;

 private:
  struct Worker;
  std::unique_ptr<PhpThread> spawn(unsigned index);
  void replace(PhpThread* broken);  // on the broken thread, as it ends
  RequestQueue* route(const server::RequestHead& head);
  void expire_loop();

  const BackendOptions options_;
  const unsigned num_threads_;
  RequestQueue queue_;
  std::vector<std::unique_ptr<Worker>> workers_;
  mutable std::mutex mu_;
  bool stopping_ = false;
  std::vector<std::unique_ptr<PhpThread>> threads_;
  std::vector<std::unique_ptr<PhpThread>> retired_;  // broken, joined in stop()
  size_t replaced_ = 0;
  std::condition_variable expire_cv_;
  std::thread expirer_;  // max_wait_time only
};

}  // namespace pogo::sapi
