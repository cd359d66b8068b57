// The exchanges waiting for a PHP thread (regular threads share one queue, each worker has its
// own): a FIFO the loop threads push into without blocking (a short mutex hold) and PHP threads
// pop from, blocking while it is empty. With a max_wait, an exchange that waited longer is never
// handed out: it is answered 503 "maximum request handling time exceeded" — by pop(), or by
// expire() (called periodically by the backend, so a request does not wait for a busy thread to
// learn that it is too late).
//
// An exchange whose client has gone (aborted) by the time it reaches the front is dropped
// unanswered, before any PHP runs for it.
//
// For the backend's thread scaling, the queue also tells how long its oldest exchange has waited
// and how many threads are idle in pop() right now (stalled()), and a thread added by scaling pops
// with an idle limit: after that long without an exchange it gives up and retires.
//
// The hand-off is sync::HandoffQueue's (sync/handoff_queue.h): a PHP thread with nothing to do
// waits on its own Event (spin briefly, then park on a futex); push() wakes exactly one idle thread,
// the one spinning if any (only one spins at a time, so the loops keep their cores), which takes
// the exchange without a syscall on either side. This class adds the policy: 503 for an exchange
// that waited past max_wait, aborted exchanges dropped, the figures thread scaling reads.
//
// Worker restarts (PhpBackend::restart_workers): the queue has an epoch; release_waiters() moves it
// on and wakes every thread idle in pop(). A worker thread pops with the epoch its script booted
// in, and gets nullptr once the epoch moved past it (it then ends its script and boots it again);
// the exchanges queued meanwhile stay for the threads that come back.
//
// Threads: push() and wake_idle() any thread (the loop threads); pop() PHP threads; expire() and
// stalled() the backend's checker thread; close()/set_max_wait() the main thread;
// release_waiters() and epoch() any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include "server/exchange.h"
#include "sync/handoff_queue.h"

namespace pogo::sapi {

class RequestQueue {
 public:
  using Clock = std::chrono::steady_clock;

  // Before the first push. 0 = no limit.
  void set_max_wait(std::chrono::milliseconds max_wait) { max_wait_ = max_wait; }
  // false once closed: the caller answers the exchange itself. With `wake` false no idle thread is
  // woken for it until wake_idle() (the loop's end of turn; see server::Backend::handle_in_turn).
  bool push(std::shared_ptr<server::Exchange> exchange, bool wake = true);
  // Wakes an idle thread for each exchange pushed without a wake-up (the spinning one first).
  void wake_idle();
  // The oldest exchange; blocks while the queue is empty and open. nullptr once closed and drained.
  std::shared_ptr<server::Exchange> pop();
  // pop(), giving up after `idle_limit` (> 0) without an exchange: then nullptr with *idle = true.
  // With an `epoch` (not kAnyEpoch): nullptr as soon as epoch() is no longer that one.
  static constexpr uint64_t kAnyEpoch = UINT64_MAX;
  // `before_wait(ctx)`: run whenever the thread is about to wait for an exchange (none queued).
  std::shared_ptr<server::Exchange> pop(std::chrono::milliseconds idle_limit, bool* idle, uint64_t epoch = kAnyEpoch,
                                        void (*before_wait)(void*) = nullptr, void* ctx = nullptr);
  uint64_t epoch() const { return queue_.epoch(); }
  // Moves the epoch on and wakes every idle thread (the queued exchanges stay).
  void release_waiters();
  // Answers (503) and drops every exchange that waited longer than max_wait. Returns how many.
  size_t expire();
  // The oldest exchange has waited at least `threshold` and no thread is idle in pop(): one more
  // thread would serve it sooner.
  bool stalled(std::chrono::milliseconds threshold) const;
  // No more pushes; pop() hands out what is left, then returns nullptr.
  void close();
  bool closed() const;
  size_t size() const;
  unsigned idle_threads() const;  // threads blocked in pop() right now

  // The answer to an exchange that waited too long.
  static void reject_overdue(server::Exchange& exchange);
  // An exchange whose client went away while it waited: ended without running anything.
  static void drop_abandoned(server::Exchange& exchange);

 private:
  std::chrono::milliseconds max_wait_{0};
  sync::HandoffQueue<std::shared_ptr<server::Exchange>> queue_;
};

}  // namespace pogo::sapi
