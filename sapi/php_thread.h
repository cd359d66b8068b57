// A PHP thread: an OS thread with its own TSRM context (ts_resource, once), looping "ask the
// strategy for the next script, run it" until the strategy says stop. No thread is created per
// request. A thread that ends on its own — Broken by a bailout outside the script, recycled after
// max_requests, or retired by scaling after its idle limit — calls on_ended (on itself, as it
// ends), so its owner can start a fresh one in its place or remove it. A thread that stops because
// its owner closed its feed does not call it. `scaled`: the thread was added by scaling (its
// replacement is again a scaled thread; the owner keeps the flag, the thread only carries it).
//
// The OS thread is created with an explicit stack (stack_guard.h: kPhpThreadStackSize and its guard
// pages), so the C stack PHP gets does not depend on RLIMIT_STACK or the C library; on it the thread
// arms the stack guard and the stack-overflow handler, and registers for shutdown interrupts
// (script_interrupt.h).
//
// Threads: constructed and joined by its owner (the main thread); state() from any thread; the
// loop itself runs on the thread it created.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <pthread.h>
#include <string>
#include <vector>

#include "sapi/thread_activity.h"
#include "sapi/thread_strategy.h"

namespace pogo::sapi {

class PhpThread {
 public:
  using OnEnded = std::function<void(PhpThread*)>;

  // `interrupt_group`: see script_interrupt.h.
  PhpThread(unsigned index, std::unique_ptr<ThreadStrategy> strategy, OnEnded on_ended, bool scaled = false,
            uint64_t interrupt_group = 0);
  PhpThread(const PhpThread&) = delete;
  PhpThread& operator=(const PhpThread&) = delete;
  ~PhpThread();  // joins

  void join();
  unsigned index() const { return index_; }
  bool scaled() const { return scaled_; }
  ThreadState state() const { return state_.load(std::memory_order_acquire); }
  ThreadStrategy& strategy() { return *strategy_; }
  // What it is doing (written on this thread only; see thread_activity.h).
  ThreadActivity& activity() { return activity_; }
  // Its row of /frankenphp/threads, under `name`. Any thread.
  ThreadDebugState debug_state(std::string name) const;

  // The PhpThread the caller runs on, or nullptr (for PHP functions that talk to the strategy).
  static PhpThread* current();

 private:
  static void* entry(void* self);
  void run();
  void set_state(ThreadState s) { state_.store(s, std::memory_order_release); }

  const unsigned index_;
  std::unique_ptr<ThreadStrategy> strategy_;
  OnEnded on_ended_;
  const bool scaled_;
  const uint64_t interrupt_group_;
  std::atomic<ThreadState> state_{ThreadState::Booting};
  ThreadActivity activity_;
  pthread_t thread_{};  // started last in the constructor, once everything above is built
  bool joinable_ = false;
};

// Joins every thread of a set that may still change while it is joined: a thread ending now may
// move itself to `retired` or be replaced in `live` (under `mu`), so the sets are emptied under the
// lock, joined without it, and looked at again until nothing is left. The owner must already have
// told its threads to stop (and not to replace themselves). Main thread.
void join_all(std::mutex& mu, std::vector<std::unique_ptr<PhpThread>>& live,
              std::vector<std::unique_ptr<PhpThread>>& retired);

// What retire_ended() did with a thread that ended on its own.
enum class Retired { Removed, Replaced, Kept };

// A thread of `live` ended on its own; called on that thread with the owner's lock held. It moves
// to `retired` (a thread cannot join itself) and the threads retired before it move to `to_join`,
// which the caller joins once it released its lock. A scaled thread that ended idle leaves `live`
// (Removed); any other is replaced by respawn() unless the owner is `stopping` (Replaced, or
// Kept: its slot stays empty until join_all()).
Retired retire_ended(PhpThread* thread, std::vector<std::unique_ptr<PhpThread>>& live,
                     std::vector<std::unique_ptr<PhpThread>>& retired,
                     std::vector<std::unique_ptr<PhpThread>>& to_join, bool stopping,
                     const std::function<std::unique_ptr<PhpThread>()>& respawn);

// The threads of a set (slots emptied by retire_ended() during shutdown do not count).
unsigned count_threads(const std::vector<std::unique_ptr<PhpThread>>& set);

}  // namespace pogo::sapi
