// The PHP backend of the server: a fixed set of PHP threads (default 2 x CPUs) fed from one queue.
// handle() only enqueues; a free PHP thread runs the request's script and answers through the
// Exchange. stop() lets every queued request finish, then joins the threads.
//
// Threads: constructor, stop() and the destructor on the main thread (after engine_start(), and
// before engine_stop()); handle() on the loop threads, never blocking.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "sapi/request_queue.h"
#include "sapi/thread_strategy.h"
#include "server/backend.h"

namespace pogo::sapi {

class PhpThread;

class PhpBackend : public server::Backend {
 public:
  explicit PhpBackend(unsigned num_threads);  // 0 = 2 x CPUs; throws if the engine is not running
  ~PhpBackend() override;
  PhpBackend(const PhpBackend&) = delete;
  PhpBackend& operator=(const PhpBackend&) = delete;

  void handle(std::shared_ptr<server::Exchange> exchange) override;
  void stop();

  unsigned num_threads() const { return num_threads_; }
  std::vector<ThreadState> thread_states() const;  // any thread; for diagnostics and tests
  size_t replaced_threads() const;                 // any thread

 private:
  std::unique_ptr<PhpThread> spawn(unsigned index);
  void replace(PhpThread* broken);  // on the broken thread, as it ends

  const unsigned num_threads_;
  RequestQueue queue_;
  mutable std::mutex mu_;
  bool stopping_ = false;
  std::vector<std::unique_ptr<PhpThread>> threads_;
  std::vector<std::unique_ptr<PhpThread>> retired_;  // broken, joined in stop()
  size_t replaced_ = 0;
};

}  // namespace pogo::sapi
