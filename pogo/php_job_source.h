// PhpJobSource is what a Pogo pool's PHP worker thread pulls its jobs through: sapi/'s
// MessageSource, which worker mode drives from frankenphp_handle_request($callback), on the worker
// thread, like this (php_workers.h starts such threads):
//
//   zval payload;
//   if (!source.next(&payload)) return false;        // blocks; false: the pool is stopping
//   call $callback($payload) -> retval               // inside zend_try, with per-request resets
//   if it returned:            source.reply(&retval); // envelope -> job result / JobException
//   if it threw $e:            source.fail(message of $e)   (the job's JobException)
//   zval_ptr_dtor(&payload), zval_ptr_dtor(&retval); return true;
//
// and, if the worker script exits or dies (exit(), fatal error) between next() and reply()/fail(),
// calls source.fail(kWorkerDied) — or simply destroys the source, which does the same — before
// restarting the worker. Each finished job also ends the job's own "request": handles it dispatched
// and did not await are cancelled (on_request_end()).
//
// Threads: one source per worker thread, used only on that thread; the queue is shared.
#pragma once

#include <memory>
#include <string_view>

#include "pogo/job_queue.h"
#include "sapi/message_source.h"

struct _zval_struct;

namespace pogo::jobs {

inline constexpr const char* kWorkerDied = "Pogo worker script died while running the job";

class PhpJobSource final : public sapi::MessageSource {
 public:
  explicit PhpJobSource(JobQueue& queue) : queue_(queue) {}
  PhpJobSource(const PhpJobSource&) = delete;
  PhpJobSource& operator=(const PhpJobSource&) = delete;
  ~PhpJobSource() override;  // fails an open job with kWorkerDied

  // Waits for the next job and writes its payload (a new array the caller owns). false: stop.
  // A job still open from the previous next() is failed with kWorkerDied first. May bail out
  // (memory limit) with the job open: the caller's fail()/destructor then fails it.
  bool next(_zval_struct* payload) override;
  // The callback returned `envelope`. May leave a PHP exception pending (a jsonSerialize() in the
  // result threw: the job fails with its message) or bail out (after the job is failed).
  void reply(_zval_struct* envelope) override;
  // The callback threw, or the script died: the job fails with `message`, verbatim.
  void fail(std::string_view message) override;
  // The worker script died with the job open: fail(kWorkerDied).
  void abandon() override { fail(kWorkerDied); }
  bool has_open_job() const { return current_ != nullptr; }

 private:
  bool reply_job(_zval_struct* envelope);  // true: bailed out
  void finish_request();
  JobQueue& queue_;
  std::shared_ptr<Job> current_;
};

}  // namespace pogo::jobs
