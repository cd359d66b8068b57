#include "sapi/php_thread.h"

#include <pthread.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <system_error>

#include "sapi/execution_timer.h"
#include "sapi/php_includes.h"
#include "sapi/script_interrupt.h"
#include "sapi/stack_guard.h"
#include "sapi/stack_overflow.h"
#include "server/log.h"

namespace pogo::sapi {

namespace {
thread_local PhpThread* t_thread = nullptr;
}

const char* to_string(ThreadState state) {
  switch (state) {
    case ThreadState::Booting: return "booting";
    case ThreadState::Ready: return "ready";
    case ThreadState::Busy: return "busy";
    case ThreadState::Stopping: return "stopping";
    case ThreadState::Done: return "done";
    case ThreadState::Broken: return "broken";
  }
  return "?";
}

PhpThread::PhpThread(unsigned index, std::unique_ptr<ThreadStrategy> strategy, OnEnded on_ended, bool scaled,
                     uint64_t interrupt_group)
    : index_(index),
      strategy_(std::move(strategy)),
      on_ended_(std::move(on_ended)),
      scaled_(scaled),
      interrupt_group_(interrupt_group) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, kPhpThreadStackSize);
  pthread_attr_setguardsize(&attr, kPhpThreadGuardSize);
  int rc = pthread_create(&thread_, &attr, &PhpThread::entry, this);
  pthread_attr_destroy(&attr);
  if (rc != 0) throw std::system_error(rc, std::generic_category(), "creating a PHP thread");
  joinable_ = true;
}

PhpThread::~PhpThread() { join(); }

ThreadDebugState PhpThread::debug_state(std::string name) const {
  ThreadDebugState out;
  out.name = std::move(name);
  ThreadActivity::Phase phase = activity_.snapshot(out);
  switch (state()) {
    case ThreadState::Booting: out.state = "booting"; break;
    case ThreadState::Ready:
    case ThreadState::Busy: out.state = phase == ThreadActivity::Phase::Booting ? "booting" : "ready"; break;
    case ThreadState::Stopping: out.state = "shutting down"; break;
    case ThreadState::Done:
    case ThreadState::Broken: out.state = "done"; break;
  }
  if (out.state != "ready") out.waiting = false;
  return out;
}

void PhpThread::join() {
  if (!joinable_) return;
  joinable_ = false;
  pthread_join(thread_, nullptr);
}

void* PhpThread::entry(void* self) {
  // A C boundary: nothing may escape it (std::thread would have called std::terminate too).
  try {
    static_cast<PhpThread*>(self)->run();
  } catch (const std::exception& e) {
    log::error("php", "PHP thread failed", {{"error", e.what()}});
    std::terminate();
  }
  return nullptr;
}

PhpThread* PhpThread::current() { return t_thread; }

void PhpThread::run() {
  t_thread = this;
  char name[16];
  std::snprintf(name, sizeof name, "php-%u", index_);
  pthread_setname_np(pthread_self(), name);

  (void)ts_resource(0);
  ThreadStack stack;
  if (!current_thread_stack(stack)) stack = {};
  stack_guard_enter_thread(stack);
  stack_overflow_enter_thread(index_, stack);
  script_interrupt_enter_thread(interrupt_group_);
#ifdef ZEND_SIGNALS
  // Otherwise every request re-installs PHP's deferring handlers for SIGINT, SIGTERM, SIGHUP,
  // SIGQUIT, SIGUSR1/2 and SIGPROF process-wide (14 sigaction calls). Those signals belong to the
  // main thread here; max_execution_time's SIGRTMIN timer is armed separately and still works.
  SIGG(reset) = false;
#endif
  bool broken = false;
  {
    RequestContext ctx;  // its buffers are reused by every request of this thread
    for (;;) {
      set_state(ThreadState::Ready);
      activity_.waiting();
      if (!strategy_->next(ctx)) break;
      set_state(ThreadState::Busy);
      stack_overflow_note_script(ctx.script.c_str());
      script_interrupt_set_waiting(false);
      RequestOutcome outcome = strategy_->run(ctx);
      script_interrupt_set_waiting(true);
      strategy_->done(outcome);
      if (outcome == RequestOutcome::Broken) {
        broken = true;
        break;
      }
    }
  }
  set_state(ThreadState::Stopping);
  script_interrupt_leave_thread();
  stack_overflow_leave_thread();
  execution_timer_release();
  ts_free_thread();
  t_thread = nullptr;
  if (broken) {
    set_state(ThreadState::Broken);
    log::warn("php", "PHP thread broken, replacing it", {{"thread", index_}, {"strategy", strategy_->name()}});
    if (on_ended_) on_ended_(this);
  } else if (strategy_->wants_replacement()) {
    set_state(ThreadState::Done);
    log::debug("php", "PHP thread recycled", {{"thread", index_}, {"strategy", strategy_->name()}});
    if (on_ended_) on_ended_(this);
  } else if (strategy_->ended_idle()) {
    set_state(ThreadState::Done);
    if (on_ended_) on_ended_(this);
  } else {
    set_state(ThreadState::Done);
  }
}

void join_all(std::mutex& mu, std::vector<std::unique_ptr<PhpThread>>& live,
              std::vector<std::unique_ptr<PhpThread>>& retired) {
  std::vector<std::unique_ptr<PhpThread>> threads;
  for (;;) {
    {
      std::lock_guard lk(mu);
      for (auto& t : live)
        if (t) threads.push_back(std::move(t));
      live.clear();
      for (auto& t : retired) threads.push_back(std::move(t));
      retired.clear();
    }
    if (threads.empty()) return;
    for (auto& t : threads)
      if (t) t->join();
    threads.clear();
  }
}

Retired retire_ended(PhpThread* thread, std::vector<std::unique_ptr<PhpThread>>& live,
                     std::vector<std::unique_ptr<PhpThread>>& retired,
                     std::vector<std::unique_ptr<PhpThread>>& to_join, bool stopping,
                     const std::function<std::unique_ptr<PhpThread>()>& respawn) {
  auto it = std::find_if(live.begin(), live.end(), [&](const auto& t) { return t.get() == thread; });
  if (it == live.end()) return Retired::Kept;
  to_join.swap(retired);
  retired.push_back(std::move(*it));  // joined by the next thread to end, or join_all()
  if (thread->strategy().ended_idle()) {
    live.erase(it);
    return Retired::Removed;
  }
  if (stopping) return Retired::Kept;
  *it = respawn();
  return Retired::Replaced;
}

unsigned count_threads(const std::vector<std::unique_ptr<PhpThread>>& set) {
  return unsigned(std::count_if(set.begin(), set.end(), [](const auto& t) { return t != nullptr; }));
}

}  // namespace pogo::sapi
