// The PHP backend of the server: regular PHP threads fed from one queue (classic mode), and the
// workers (worker_threads.h), each with its own queue. handle() only routes and enqueues: a
// request whose script_filename is a worker's file (or whose path matches one of the worker's
// `match` patterns) goes to that worker's queue, any other to the regular threads. stop() lets
// every queued request finish, then joins the threads.
//
// Thread count: num_threads (default 2 x CPUs) counts every PHP thread, workers included, and is
// raised to (worker threads + 1) so one regular thread at least remains. With max_threads above
// that, the total grows under load and shrinks back when idle (thread_scaling.h has the rules,
// the 5 ms stall threshold and the `auto` ceiling): one more regular thread when the regular queue
// stalls, one more worker thread (within the worker's own max_threads) when a worker's does; an
// added thread idle for max_idle_time is removed. max_wait_time: a queued request that waited
// longer is answered 503 (checked when a thread takes it and by the checker).
//
// One checker thread does both periodic jobs — expiring overdue requests (every max_wait/4,
// between 1 and 50 ms) and growing stalled queues (every 5 ms) — and runs only when one of them is
// configured. A thread that ends on its own (broken, recycled, or idle) joins the ones that ended
// before it, and stop() joins the rest, so no ended thread is left unjoined for long.
//
// Workers restart (restart_workers(), FrankenPHP's RestartWorkers): each worker thread finishes the
// request it serves and boots its script again, the queued requests waiting for it
// (worker_threads.h). A worker with `watch` patterns gets a FileWatcher (server/file_watcher.h),
// started by the constructor once the workers are up and stopped first by stop(): a change under
// its patterns restarts that worker's threads (only that worker's).
//
// Threads: constructors, stop() and the destructor on the main thread (after engine_start(), and
// before engine_stop()); handle(), handle_in_turn() and end_of_turn() on the loop threads, never
// blocking (they only push to a queue and wake idle threads:
// growth is the checker's job); the diagnostics from any thread. Once started, the backend reports
// FrankenPHP's gauges to the metrics registry (metrics/registry.h) until it is destroyed.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "metrics/registry.h"
#include "sapi/request_queue.h"
#include "sapi/thread_activity.h"
#include "sapi/thread_scaling.h"
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
  // The loop's variant: queued now, the idle PHP threads woken at end_of_turn().
  void handle_in_turn(std::shared_ptr<server::Exchange> exchange) override;
  void end_of_turn() override;
  void stop();

  // Asks every thread of every HTTP worker to restart, and returns (without waiting for the new
  // boots). Any thread. Returns how many workers were asked.
  unsigned restart_workers();

  unsigned num_threads() const { return num_threads_; }  // regular threads started with
  unsigned max_threads() const { return max_threads_; }  // the resolved ceiling of the total
  // Diagnostics and tests, any thread:
  std::vector<ThreadState> thread_states() const;  // regular threads
  // Every thread's row of /frankenphp/threads: the regular threads, then each worker's.
  std::vector<ThreadDebugState> debug_states() const;
  // Threads scaling may still add (max_threads minus the threads there are now).
  unsigned reserved_threads() const;
  unsigned regular_threads() const;                // regular threads now, ending ones included
  unsigned total_threads() const;                  // every PHP thread of the backend, workers included
  size_t replaced_threads() const;                 // regular threads
  // The worker serving `file`, or nullptr (for diagnostics and tests).
  const WorkerThreads* worker(const std::string& file) const;
  // Every worker, in configuration order (metrics: restarts(), crashes(), thread counts). The
  // pointers live as long as the backend.
  std::vector<const WorkerThreads*> workers() const;

 private:
  struct Worker;
  std::unique_ptr<PhpThread> spawn(unsigned index, bool scaled, StartGate::Ticket start = {});
  void ended(PhpThread* thread);  // on the thread that ended on its own, as it ends
  RequestQueue* route(const server::RequestHead& head);
  void enqueue(std::shared_ptr<server::Exchange> exchange, bool wake);
  std::string start_watchers();  // "" or the error (main thread, in the constructor)
  void check_loop();
  void grow();  // checker thread
  // FrankenPHP's gauges of this backend (the render thread; only reads what any thread may).
  void collect(metrics::Writer& w) const;

  const BackendOptions options_;
  const unsigned num_threads_;
  unsigned max_threads_ = 0;
  RequestQueue queue_;
  std::vector<std::unique_ptr<Worker>> workers_;
  mutable std::mutex mu_;
  bool stopping_ = false;
  std::vector<std::unique_ptr<PhpThread>> threads_;
  std::vector<std::unique_ptr<PhpThread>> retired_;  // ended on their own; joined by the next or stop()
  size_t replaced_ = 0;
  StartGate starting_;       // regular threads added by grow() still booting
  unsigned next_index_ = 0;  // names of added threads (php-N); checker thread after construction
  std::condition_variable check_cv_;
  std::thread checker_;  // max_wait_time and growth
  // Last: unregistered first, while everything the collector reads is still there.
  metrics::Registration metrics_;
};

}  // namespace pogo::sapi
