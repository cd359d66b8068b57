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
// The hand-off: a PHP thread with nothing to do registers as idle and waits on its own Signal
// (spin briefly, then park on a futex; sapi/signal.h); push() wakes exactly one idle thread. Only
// one idle thread spins at a time (the others park at once: on a small machine more spinners
// would take the cores the loops need), and push() prefers it: it takes the exchange without a
// syscall on either side, which is most of what a hand-off costs a loop thread otherwise.
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

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>

#include <vector>

#include "sapi/signal.h"
#include "server/exchange.h"

namespace pogo::sapi {

class RequestQueue {
 public:
  using Clock = std::chrono::steady_clock;

  // Before the first push. 0 = no limit.
  void set_max_wait(std::chrono::milliseconds max_wait) { max_wait_ = max_wait; }
  // false once closed: the caller answers the exchange itself. With `wake` false no idle thread is
  // woken for it until wake_idle() (the loop's end of turn; see server::Backend::handle_in_turn).
  bool push(std::shared_ptr<server::Exchange> exchange, bool wake = true);
  // Wakes as many idle threads as there are queued exchanges (the spinning one first).
  void wake_idle();
  // The oldest exchange; blocks while the queue is empty and open. nullptr once closed and drained.
  std::shared_ptr<server::Exchange> pop();
  // pop(), giving up after `idle_limit` (> 0) without an exchange: then nullptr with *idle = true.
  // With an `epoch` (not kAnyEpoch): nullptr as soon as epoch() is no longer that one.
  static constexpr uint64_t kAnyEpoch = UINT64_MAX;
  std::shared_ptr<server::Exchange> pop(std::chrono::milliseconds idle_limit, bool* idle, uint64_t epoch = kAnyEpoch);
  uint64_t epoch() const { return epoch_.load(std::memory_order_acquire); }
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
  Signal* take_idle();  // with mu_ held: the idle thread to wake, removed from idle_, or nullptr

  struct Entry {
    std::shared_ptr<server::Exchange> exchange;
    Clock::time_point queued;
  };
  std::chrono::milliseconds max_wait_{0};
  SpinPolicy spin_;
  mutable std::mutex mu_;
  std::deque<Entry> queue_;
  std::vector<Signal*> idle_;  // threads waiting in pop(), most recent last
  Signal* spinner_ = nullptr;  // the one of them allowed to spin (still in idle_), if any
  unsigned waiting_ = 0;       // threads in pop() between going idle and being back with the lock
  bool closed_ = false;
  std::atomic<uint64_t> epoch_{0};  // written under mu_
  std::atomic<bool> unannounced_{false};  // pushed without waking anyone since the last wake_idle()
};

}  // namespace pogo::sapi
