// The worker-mode strategy of a PHP thread: next() hands out the worker script (again after it
// ended, with a back-off after failed boots); run() executes it as one long PHP request with no
// exchange; inside it, frankenphp_handle_request() asks take() for the next unit of work — an
// Exchange from the worker's RequestQueue, or a message from its MessageSource — runs the handler,
// and calls finish(). Both kinds go through the same take()/finish() pair; only the PHP state
// around the handler differs (a request scope for an Exchange, the idle scope for a message).
// A thread added by scaling (`scaled`) waits for a request at most the worker's idle limit; then
// take() says Stop, frankenphp_handle_request() returns false, and once the script ends the thread
// ends too (ended_idle(): its owner removes it rather than restarting the script).
// A restart (WorkerThreads::restart) is seen the same way, through the queue's epoch: take() says
// Stop, and once the script ends next() boots it again (the worker file's symlinks resolved anew).
//
// Threads: its PhpThread only; current() is the strategy of the calling thread, or nullptr.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include "sapi/message_source.h"
#include "sapi/thread_scaling.h"
#include "sapi/thread_strategy.h"

struct _zval_struct;

namespace pogo::sapi {

struct WorkerShared;

class WorkerStrategy : public ThreadStrategy {
 public:
  enum class Work { Stop, Request, Message };
  enum class Ending { Returned, Threw, Exited };

  WorkerStrategy(WorkerShared& shared, std::unique_ptr<MessageSource> source, bool scaled = false,
                 StartGate::Ticket start = {});
  ~WorkerStrategy() override;
  const char* name() const override { return "worker"; }
  bool next(RequestContext& ctx) override;
  RequestOutcome run(RequestContext& ctx) override;
  bool wants_replacement() const override { return recycle_; }
  bool ended_idle() const override { return idle_; }

  static WorkerStrategy* current();

  // frankenphp_handle_request(), C-like (they may bail out; nothing of theirs needs unwinding).
  // Waits for work. Request: the exchange is bound and its request scope begun. Message: the
  // payload is in *payload. Stop: the worker must end (idle scope active).
  Work take(_zval_struct* payload);
  // The handler ended. For a message, `result` is its return value (Returned) or ignored.
  // For a request, the response completes (output, status and headers kept).
  void finish(Work work, Ending ending, _zval_struct* result);
  MessageSource* source() { return source_.get(); }
  // A request or message is being handled (frankenphp_handle_request called from its handler).
  bool busy() const { return message_open_ || (ctx_ && ctx_->exchange); }

 private:
  void refresh_for_restart();  // C-like (PHP calls inside), in take()

  WorkerShared& shared_;
  std::unique_ptr<MessageSource> source_;
  const bool scaled_;
  StartGate::Ticket start_;
  RequestContext* ctx_ = nullptr;
  bool reached_loop_ = false;  // this run of the script called frankenphp_handle_request
  bool was_ready_ = false;     // some run did (start-up reported)
  bool message_open_ = false;
  bool recycle_ = false;
  bool stop_ = false;
  bool idle_ = false;  // a scaled thread that waited its idle limit in vain
  uint64_t epoch_ = 0;  // the worker queue's epoch this run booted in (restarts move it on)
  unsigned runs_ = 0;
  unsigned failures_ = 0;  // boots in a row that never reached the loop
  uint64_t requests_ = 0;
  // FrankenPHP's metrics (HTTP workers): the request being counted, and when it was taken.
  bool counting_ = false;
  std::chrono::steady_clock::time_point request_started_{};
  void count_request_end();
  void count_script_end(bool ok);
};

}  // namespace pogo::sapi
