// A HandoffQueue<T> is the line between the threads that hand work over (producers) and the
// threads that do it (consumers): a FIFO producers push into without blocking (a short mutex hold)
// and consumers pop from, blocking while it is empty. It is the common core of sapi/'s
// RequestQueue (exchanges for PHP threads) and pogo/'s JobQueue (jobs for pool workers); what to
// do with an item that waited too long (503, Expired) is their policy, not this class's: pop()
// hands over every item with the time it was queued.
//
// The hand-off, tuned for latency on a small machine:
// - A consumer with nothing to do registers as idle and waits on its own Event (sync/event.h:
//   spin briefly, then park on a futex).
// - Only one idle consumer spins at a time; the others park at once. More spinners would take the
//   cores that the producers and the busy consumers need.
// - push() wakes exactly one idle consumer: the spinning one if there is one (it takes the item
//   with no syscall on either side), else the last to go idle (LIFO: the warmest caches; the ones
//   idle longest stay parked).
// - push(item, false) leaves the wake-up for later; wake_idle() then wakes as many idle consumers
//   as there are items not yet announced, in one batch, so a producer with several items pays for
//   the wake-ups once it has pushed them all.
// - pop() takes a deadline (a consumer that gives up after an idle time) and an epoch:
//   release_waiters() moves the epoch on and wakes every idle consumer, and a pop() made for an
//   older epoch returns Released (the items stay for the consumers that come back).
// - close() refuses later pushes and wakes everyone; the items left are either handed out by pop()
//   until none is left, or taken by the closer (close(true)).
//
// Threads: pop() from consumer threads, one pop() at a time per thread (its Event is thread-local,
// per item type); everything else from any thread. One mutex guards the state; the waiting, and the
// futex wakes, happen outside it.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <iterator>
#include <mutex>
#include <utility>
#include <vector>

#include "sync/event.h"

namespace pogo::sync {

template <class T>
class HandoffQueue {
 public:
  static constexpr uint64_t kAnyEpoch = UINT64_MAX;

  enum class Status {
    Item,      // `item` is the oldest item, queued at `queued`
    Closed,    // closed, and no item is left
    TimedOut,  // the deadline passed with no item for this consumer
    Released,  // the epoch is no longer the one pop() was called for
  };
  struct Popped {
    Status status;
    T item{};
    Clock::time_point queued{};
  };
  // What the queue looks like at one instant (for a thread-scaling decision).
  struct Snapshot {
    size_t size = 0;
    unsigned waiting = 0;         // consumers in pop() with nothing to do
    Clock::time_point oldest{};   // when the oldest item was queued (size > 0)
  };

  explicit HandoffQueue(SpinPolicy spin = {}) : spin_(spin) {}
  HandoffQueue(const HandoffQueue&) = delete;
  HandoffQueue& operator=(const HandoffQueue&) = delete;

  // Queues `item` (moved from only when accepted) and, with `wake`, wakes one idle consumer.
  // false once closed: `item` is left as it was, for the caller to deal with.
  bool push(T&& item, bool wake = true) {
    Event* to_wake = nullptr;
    {
      std::lock_guard lk(mu_);
      if (closed_) return false;
      items_.push_back(Entry{std::move(item), Clock::now()});
      if (!wake) {
        ++unannounced_;
        return true;
      }
      to_wake = take_idle();
    }
    // Outside the lock (a parked consumer costs a futex wake). The consumer cannot leave pop()
    // before this set(): one that timed out and finds itself gone from idle_ waits for it.
    if (to_wake) to_wake->set();
    return true;
  }
  bool push(const T& item, bool wake = true) {
    T copy = item;
    return push(std::move(copy), wake);
  }

  // Wakes an idle consumer for every item pushed without a wake-up since the last call (as many
  // as there are idle), the spinning one first; the futex wakes are made outside the lock, at most
  // 8 collected per hold.
  void wake_idle() {
    if (unannounced_.load(std::memory_order_relaxed) == 0) return;
    Event* wake[8];
    for (size_t n = std::size(wake); n == std::size(wake);) {
      n = 0;
      {
        std::lock_guard lk(mu_);
        // Items already popped need nobody; never more wake-ups than items left.
        size_t due = std::min<size_t>(unannounced_.load(std::memory_order_relaxed), items_.size());
        for (; n < due && n < std::size(wake); ++n) {
          wake[n] = take_idle();
          if (!wake[n]) break;
        }
        unannounced_.store(n == std::size(wake) ? due - n : 0, std::memory_order_relaxed);
      }
      for (size_t i = 0; i < n; ++i) wake[i]->set();
    }
  }

  // The oldest item, waiting for one until `deadline` (Clock::time_point::max(): no deadline).
  // With an `epoch` other than kAnyEpoch: Released as soon as epoch() is no longer that one.
  // `before_wait(ctx)`, when given, runs on this thread once, outside the lock, when it is about to
  // wait (no item was there): what a consumer undoes only when it goes idle.
  Popped pop(Clock::time_point deadline = Clock::time_point::max(), uint64_t epoch = kAnyEpoch,
             void (*before_wait)(void*) = nullptr, void* ctx = nullptr) {
    thread_local Event wake;  // a thread waits in one pop() at a time
    thread_local SpinState spin;
    std::unique_lock lk(mu_);
    for (;;) {
      if (epoch != kAnyEpoch && epoch != epoch_.load(std::memory_order_relaxed)) return {Status::Released};
      if (!items_.empty()) {
        Entry e = std::move(items_.front());
        items_.pop_front();
        return {Status::Item, std::move(e.item), e.queued};
      }
      if (closed_) return {Status::Closed};
      wake.reset();
      idle_.push_back(&wake);
      ++waiting_;
      const bool spinning = spinner_ == nullptr;
      if (spinning) spinner_ = &wake;
      lk.unlock();
      if (before_wait) {
        before_wait(ctx);
        before_wait = nullptr;
      }
      const bool woken = wake.wait_until(deadline, spinning ? spin_ : SpinPolicy{{}, {}}, spin);
      lk.lock();
      --waiting_;
      if (spinner_ == &wake) spinner_ = nullptr;
      if (!woken) {
        auto self = std::find(idle_.begin(), idle_.end(), &wake);
        if (self != idle_.end()) {  // nobody picked us: the deadline passed
          idle_.erase(self);
          return {Status::TimedOut};
        }
        // A push picked us just now: its set() is on its way; let it land before going on.
        lk.unlock();
        wake.wait_until(Clock::time_point::max(), spin_, spin);
        lk.lock();
      }
      // Look again: another consumer may have taken the item first.
    }
  }

  // Removes the first item for which pred(item) is true; whether one was found.
  template <class Pred>
  bool remove_first(Pred&& pred) {
    std::lock_guard lk(mu_);
    auto it = std::find_if(items_.begin(), items_.end(), [&](const Entry& e) { return pred(e.item); });
    if (it == items_.end()) return false;
    items_.erase(it);
    return true;
  }

  // Removes and returns the items queued before `limit` (the oldest first).
  std::vector<T> take_queued_before(Clock::time_point limit) {
    std::vector<T> out;
    std::lock_guard lk(mu_);
    while (!items_.empty() && items_.front().queued < limit) {
      out.push_back(std::move(items_.front().item));
      items_.pop_front();
    }
    return out;
  }

  // No more pushes; every idle consumer is woken. With `take_items` the items left are removed and
  // returned (pop() then returns Closed at once); without, pop() hands them out first.
  std::vector<T> close(bool take_items = false) {
    std::vector<T> taken;
    std::vector<Event*> idle;
    {
      std::lock_guard lk(mu_);
      closed_ = true;
      if (take_items) {
        for (auto& e : items_) taken.push_back(std::move(e.item));
        items_.clear();
      }
      idle.swap(idle_);
      spinner_ = nullptr;
    }
    for (Event* e : idle) e->set();
    return taken;
  }

  // Moves the epoch on and wakes every idle consumer (the items stay).
  void release_waiters() {
    std::vector<Event*> idle;
    {
      std::lock_guard lk(mu_);
      epoch_.fetch_add(1, std::memory_order_release);
      idle.swap(idle_);
      spinner_ = nullptr;
    }
    for (Event* e : idle) e->set();
  }

  uint64_t epoch() const { return epoch_.load(std::memory_order_acquire); }
  bool closed() const {
    std::lock_guard lk(mu_);
    return closed_;
  }
  size_t size() const {
    std::lock_guard lk(mu_);
    return items_.size();
  }
  unsigned waiting() const {
    std::lock_guard lk(mu_);
    return waiting_;
  }
  Snapshot snapshot() const {
    std::lock_guard lk(mu_);
    return {items_.size(), waiting_, items_.empty() ? Clock::time_point{} : items_.front().queued};
  }

 private:
  struct Entry {
    T item;
    Clock::time_point queued;
  };

  // With mu_ held: the idle consumer to wake, removed from idle_, or nullptr. The spinning one if
  // there is one (no syscall on either side), else the last to go idle.
  Event* take_idle() {
    if (idle_.empty()) return nullptr;
    Event* wake = spinner_ ? spinner_ : idle_.back();
    if (wake == idle_.back()) idle_.pop_back();
    else idle_.erase(std::find(idle_.begin(), idle_.end(), wake));
    if (wake == spinner_) spinner_ = nullptr;
    return wake;
  }

  const SpinPolicy spin_;
  mutable std::mutex mu_;
  std::deque<Entry> items_;
  std::vector<Event*> idle_;   // consumers waiting in pop(), most recent last
  Event* spinner_ = nullptr;   // the one of them allowed to spin (still in idle_), if any
  unsigned waiting_ = 0;       // consumers in pop() between going idle and being back with the lock
  bool closed_ = false;
  std::atomic<uint64_t> epoch_{0};        // written under mu_
  std::atomic<size_t> unannounced_{0};    // items pushed without a wake-up since the last wake_idle()
};

}  // namespace pogo::sync
