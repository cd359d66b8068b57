#include "sapi/worker_strategy.h"

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <string>

#include "sapi/client_abort.h"
#include "sapi/php_includes.h"
#include "sapi/php_thread.h"
#include "sapi/request.h"
#include "sapi/script_interrupt.h"
#include "sapi/thread_env.h"
#include "sapi/worker_refresh.h"
#include "sapi/worker_scope.h"
#include "sapi/worker_threads.h"
#include "server/log.h"

namespace pogo::sapi {

namespace {
thread_local WorkerStrategy* t_worker = nullptr;

constexpr std::chrono::milliseconds kFirstBackoff{100};
constexpr std::chrono::milliseconds kMaxBackoff{1000};

// The worker file with its symlinks resolved now (a deploy may have moved `current`); as
// configured when it cannot be resolved (the boot then fails and says so).
std::string resolve_script(const std::string& file) {
  char buf[PATH_MAX];
  return ::realpath(file.c_str(), buf) ? std::string(buf) : file;
}
}  // namespace

WorkerStrategy::WorkerStrategy(WorkerShared& shared, std::unique_ptr<MessageSource> source, bool scaled,
                               StartGate::Ticket start)
    : shared_(shared), source_(std::move(source)), scaled_(scaled), start_(std::move(start)) {}

WorkerStrategy::~WorkerStrategy() = default;

WorkerStrategy* WorkerStrategy::current() { return t_worker; }

bool WorkerStrategy::next(RequestContext& ctx) {
  const WorkerConfig& cfg = shared_.config;
  if (runs_ > 0) {
    if (stop_ || recycle_) return false;
    if (!reached_loop_) {
      ++failures_;
      log::warn("php", "worker script ended before calling frankenphp_handle_request",
                {{"worker", worker_display_name(cfg)}, {"failures", failures_}});
      if (cfg.max_consecutive_failures && failures_ >= cfg.max_consecutive_failures) {
        std::string message = "worker " + worker_display_name(cfg) + ": the script ended " + std::to_string(failures_) +
                              " times in a row before calling frankenphp_handle_request()";
        if (!was_ready_) {
          start_.release();
          shared_.report_failed(std::move(message));
          return false;
        }
        log::error("php", message, {{"worker", worker_display_name(cfg)}});
      }
      auto backoff = std::min(kMaxBackoff, kFirstBackoff * (1u << std::min(failures_ - 1, 4u)));
      if (shared_.wait_stop(backoff)) return false;
    }
  }
  if (shared_.is_stopping()) return false;
  ctx.reset();
  ctx.script = resolve_script(cfg.file);
  ctx.worker_env = &shared_.env;
  if (shared_.queue) epoch_ = shared_.queue->epoch();
  ++runs_;
  reached_loop_ = false;
  return true;
}

RequestOutcome WorkerStrategy::run(RequestContext& ctx) {
  t_worker = this;
  ctx_ = &ctx;
  if (PhpThread* thread = PhpThread::current()) thread->activity().booting();
  end_handler();  // a handler a bailout left behind in the last run is not running any more
  bind_script(ctx);
  bool ok = execute_script(ctx.script.c_str());
  // FrankenPHP's counters: a clean end after reaching the loop is a restart (unless the worker
  // stops or the thread retires), anything else a crash.
  if (!ok || !reached_loop_ || EG(exit_status) != 0) shared_.crashes.fetch_add(1, std::memory_order_relaxed);
  else if (!stop_ && !idle_) shared_.restarts.fetch_add(1, std::memory_order_relaxed);
  count_script_end(ok);
  // A fatal error (or a bailout) inside the handler ended the script with its request still bound:
  // request shutdown sent what it had; finish it now.
  if (ctx.exchange) unbind_request(ctx, !ok);
  else unbind_script(ctx);
  if (message_open_) {
    message_open_ = false;
    source_->abandon();
  }
  t_worker = nullptr;
  ctx_ = nullptr;
  return ok ? RequestOutcome::Done : RequestOutcome::Broken;
}

WorkerStrategy::Work WorkerStrategy::take(zval* payload) {
  if (!reached_loop_) {
    reached_loop_ = true;
    if (shared_.counters) shared_.ready_now.fetch_add(1, std::memory_order_relaxed);
    start_.release();
    failures_ = 0;
    remember_boot_memory_limit();
    if (!was_ready_) {
      was_ready_ = true;
      shared_.report_ready();
    }
  }
  if (shared_.config.max_requests && requests_ >= shared_.config.max_requests) {
    recycle_ = true;
    return Work::Stop;
  }
  if (idle_) return Work::Stop;  // told once; a script that asks again is told again, at once
  // Waiting is not executing: max_execution_time counts per request. The timer is disarmed only
  // when the thread really waits (a message; the request queue says when it is empty): with a
  // request already queued, the next zend_set_timeout() restarts it anyway, one timer_settime
  // instead of two.
  if (source_) zend_unset_timeout();
  // What the script holds as it waits: after its boot, then after each request or message.
  PhpThread* thread = PhpThread::current();
  if (thread) {
    thread->activity().note_memory(zend_memory_usage(false));
    thread->activity().waiting();
  }
  // Nor is it running a script that a shutdown should interrupt (script_interrupt.h).
  script_interrupt_set_waiting(true);
  if (source_) {
    message_open_ = true;
    bool got = source_->next(payload);
    script_interrupt_set_waiting(false);
    if (!got) {
      message_open_ = false;
      stop_ = true;
      return Work::Stop;
    }
    zend_set_timeout(EG(timeout_seconds), 0);
    thread_env::begin_request();
    if (thread) thread->activity().begin("", "");
    return Work::Message;
  }
  end_idle_scope();
  auto disarm = [](void*) { zend_unset_timeout(); };
  if (scaled_ && shared_.idle_limit.count())
    ctx_->exchange = shared_.queue->pop(shared_.idle_limit, &idle_, epoch_, +disarm, nullptr);
  else ctx_->exchange = shared_.queue->pop(std::chrono::milliseconds(0), nullptr, epoch_, +disarm, nullptr);
  script_interrupt_set_waiting(false);
  if (!ctx_->exchange) zend_unset_timeout();  // no request: nothing may time out from here
  if (!ctx_->exchange && shared_.queue->epoch() != epoch_) {  // restart: end the script, boot it again
    begin_idle_scope();
    refresh_for_restart();
    return Work::Stop;
  }
  if (!ctx_->exchange) {
    stop_ = true;
    begin_idle_scope();
    return Work::Stop;
  }
  bind_request(*ctx_);
  if (shared_.counters) {
    counting_ = true;
    request_started_ = std::chrono::steady_clock::now();
    shared_.busy.inc();
  }
  begin_request_scope();
  zend_set_timeout(EG(timeout_seconds), 0);
  // The timer ran on between the two requests when one was already queued: an expiry that landed
  // in that gap belonged to the previous request, which had finished.
  zend_atomic_bool_store_ex(&EG(timed_out), false);
  thread_env::begin_request();
  return Work::Request;
}

void WorkerStrategy::refresh_for_restart() {
  forget_realpath_cache();
  // OPcache is shared: the first thread of the worker to restart in this epoch refreshes it, and
  // the others wait here until it has, so none boots from a stale copy.
  std::lock_guard lk(shared_.refresh_mu);
  uint64_t now = shared_.queue->epoch();
  if (shared_.refreshed_epoch >= now) return;
  std::vector<std::string> changed = std::move(shared_.changed);
  shared_.changed.clear();
  shared_.refreshed_epoch = now;
  invalidate_changed_scripts(changed);
}

void WorkerStrategy::finish(Work work, Ending ending, zval* result) {
  ++requests_;
  thread_env::end_request();
  if (work == Work::Message) {
    if (PhpThread* thread = PhpThread::current()) thread->activity().end();
    if (ending == Ending::Returned) source_->reply(result);
    else if (ending == Ending::Exited) source_->abandon();
    message_open_ = false;
    return;
  }
  count_request_end();
  end_request_scope();
  unbind_request(*ctx_, false);
  bind_script(*ctx_);
  begin_idle_scope();
}

void WorkerStrategy::count_request_end() {
  if (!counting_) return;
  counting_ = false;
  shared_.busy.dec();
  shared_.counters->requests.inc();
  shared_.counters->request_ns.add(uint64_t(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - request_started_).count()));
}

// As FrankenPHP: a run of the script that reached frankenphp_handle_request and ended cleanly
// (exit status 0) is a restart, unless the worker is stopping or an idle scaled thread retires; any
// other end — a fatal error, a non-zero exit, a script that never reached the loop — is a crash.
void WorkerStrategy::count_script_end(bool ok) {
  if (!shared_.counters) return;
  count_request_end();  // a fatal error in the handler ended the script with its request bound
  if (reached_loop_) shared_.ready_now.fetch_sub(1, std::memory_order_relaxed);
  if (ok && EG(exit_status) == 0 && reached_loop_) {
    if (!stop_ && !idle_) shared_.counters->restarts.inc();
  } else if (!shared_.is_stopping()) {
    shared_.counters->crashes.inc();
  }
}

}  // namespace pogo::sapi
