// The threads of one worker: `num` PHP threads, each running the worker script in a loop on
// frankenphp_handle_request(). Their work comes either from a RequestQueue (an HTTP worker of the
// PHP backend: each unit is an Exchange) or from a MessageSource per thread (a Pogo pool: each
// unit is a payload in, a return value out) — the same threads, strategy and PHP function serve
// both.
//
// A script that returns or exit()s is started again on the same thread. One that ends before it
// reaches frankenphp_handle_request counts as a failed boot: the thread waits (100 ms, doubling,
// at most 1 s) and tries again; max_consecutive_failures failed boots in a row make start-up fail
// (wait_started() reports it) or, once the worker had started, log an error. A thread broken by a
// bailout outside the script, or recycled after max_requests, is replaced by a fresh one (a
// replaced scaled thread stays scaled).
//
// An HTTP worker may also grow: the backend's checker calls grow() when the worker's queue stalls
// (thread_scaling.h). The added thread boots the script like the others; after `idle_limit`
// without a request its frankenphp_handle_request() returns false, the script ends, and the
// thread is removed. The `num` threads started with never go. A thread that ends joins those that
// ended before it (it cannot join itself), so ended threads do not pile up; join() takes the rest.
//
// restart() (FrankenPHP's RestartWorkers, per worker): every thread finishes the request it is
// serving, its frankenphp_handle_request() returns false, the script ends and boots again; idle
// threads are woken for it at once. Requests that arrive meanwhile wait in the queue for the
// rebooted threads: none is lost. Each boot resolves the worker file's symlinks again, so after
// `current -> releases/N` moved, the next boot runs the new release (and __DIR__ is the release's).
// Before the first thread reboots, OPcache is told to drop what changed (worker_refresh.h).
// Message workers (Pogo pools) are not restarted this way: restart() returns false for them.
//
// Counters, as FrankenPHP's metrics count them: restarts() are script runs that ended normally
// (exit status 0, after reaching frankenphp_handle_request) and are booted again; crashes() are
// runs that ended with a fatal error or a non-zero exit status, or never reached the loop.
//
// Threads: constructed, waited for, stopped and joined on the main thread (or the thread that owns
// the pool); grow() on the backend's checker thread; restart() (file watchers, the admin API),
// live_threads()/thread_count()/restarts()/crashes() from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "metrics/counter.h"
#include "metrics/php_workers.h"
#include "sapi/message_source.h"
#include "sapi/request_queue.h"
#include "sapi/thread_activity.h"
#include "sapi/thread_scaling.h"
#include "sapi/worker_config.h"

namespace pogo::sapi {

class PhpThread;

// What the threads of one worker share: their configuration, the start-up report, the stop flag.
struct WorkerShared {
  WorkerConfig config;
  std::vector<std::pair<std::string, std::string>> env;  // config.env + FRANKENPHP_WORKER=1
  RequestQueue* queue = nullptr;                         // HTTP workers
  std::chrono::milliseconds idle_limit{0};               // of threads added by grow()
  StartGate starting;                                    // threads added by grow() still booting
  std::function<std::unique_ptr<MessageSource>()> make_source;  // message workers

  std::atomic<uint64_t> restarts{0};
  std::atomic<uint64_t> crashes{0};
  // Paths a restart was asked for because they changed (file watching): OPcache forgets them
  // (forced) on the first thread that restarts, along with every included file whose mtime moved.
  std::mutex refresh_mu;
  std::vector<std::string> changed;
  uint64_t refreshed_epoch = 0;
  // FrankenPHP's metrics of an HTTP worker (null for message workers: Pogo's pools count their
  // own): the process-lifetime counters of its label, and this backend's gauges.
  metrics::WorkerCounters* counters = nullptr;
  metrics::Gauge busy;            // threads handling a request now
  std::atomic<int> ready_now{0};  // threads whose current run of the script reached the loop

  std::mutex mu;
  std::condition_variable cv;
  unsigned ready = 0;      // threads that reached frankenphp_handle_request at least once
  bool failed = false;     // start-up failed (max_consecutive_failures)
  std::string error;
  bool stopping = false;

  void report_ready();
  void report_failed(std::string message);
  // Waits for `d` unless stopping; true when stopping.
  bool wait_stop(std::chrono::milliseconds d);
  bool is_stopping();
};

class WorkerThreads {
 public:
  using SourceFactory = std::function<std::unique_ptr<MessageSource>()>;

  // HTTP worker: requests from `queue` (owned by the caller, which closes it to stop). Threads
  // added by grow() are removed after `idle_limit` without a request.
  WorkerThreads(WorkerConfig config, RequestQueue& queue, unsigned first_index = 0,
                std::chrono::milliseconds idle_limit = kDefaultMaxIdleTime);
  // Message worker: each thread gets its own source from `factory` (each started thread calls it
  // once, on the main thread or the thread being replaced). The sources stop the threads by
  // returning false from next().
  WorkerThreads(WorkerConfig config, SourceFactory factory, unsigned first_index = 0);
  WorkerThreads(const WorkerThreads&) = delete;
  WorkerThreads& operator=(const WorkerThreads&) = delete;
  ~WorkerThreads();  // stop() + join()

  // Blocks until every thread reached frankenphp_handle_request (true) or start-up failed (false,
  // `error` set: "worker FILE: ..."). The caller then closes the feed and calls join().
  bool wait_started(std::string& error);
  // No more restarts or back-off waits; threads end once their feed says stop.
  void stop();
  // Waits for every thread (including replacements) to end. The feed must be closed.
  void join();

  // HTTP workers: starts one more (scaled) thread named `index`, unless the worker is stopping,
  // a thread added before is still booting, or config().max_threads is reached. true if started.
  bool grow(unsigned index);

  // HTTP workers: asks every thread to restart (see above) and returns at once; `changed` are
  // paths known to have changed (for OPcache). false for a message worker (nothing done).
  bool restart(const std::vector<std::string>& changed = {});

  const WorkerConfig& config() const { return shared_->config; }
  unsigned live_threads() const;  // booted or running, not ending
  // FrankenPHP's gauges of an HTTP worker (any thread): threads that reached frankenphp_handle_request
  // in their current run, and threads handling a request.
  int ready_threads() const { return shared_->ready_now.load(std::memory_order_relaxed); }
  int64_t busy_threads() const { return shared_->busy.value(); }
  unsigned thread_count() const;  // every thread the worker has now, ending ones included
  // Appends each thread's row of /frankenphp/threads, named `name` (any thread).
  void debug_states(const std::string& name, std::vector<ThreadDebugState>& out) const;
  size_t replaced_threads() const;
  uint64_t restarts() const { return shared_->restarts.load(std::memory_order_relaxed); }
  uint64_t crashes() const { return shared_->crashes.load(std::memory_order_relaxed); }

 private:
  void start(unsigned first_index);
  std::unique_ptr<PhpThread> spawn(unsigned index, bool scaled, StartGate::Ticket start = {});
  void ended(PhpThread* old);

  std::unique_ptr<WorkerShared> shared_;
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<PhpThread>> threads_;
  std::vector<std::unique_ptr<PhpThread>> retired_;
  size_t replaced_ = 0;
  bool joining_ = false;
};

}  // namespace pogo::sapi
