// An Event is a one-shot (resettable) wake-up between threads that is fast when the waiter is
// awake: the waiter spins briefly (pause instruction), then yields its core for a while, and only
// then parks on a futex. A futex wake costs ~25 us on the target machine, so a hand-off that
// lands during the spin or yield phase costs well under a microsecond; both phases are bounded
// (SpinPolicy) so an idle waiter never holds a core on a 2-core machine for long.
//
// Threads: set() and is_set() from any thread; wait_until()/reset() from the one thread that waits on it (its
// SpinState belongs to that thread).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace pogo::sync {

using Clock = std::chrono::steady_clock;

// How long a waiter stays awake before parking. pause_for: busy-wait with a pause instruction;
// yield_for: then a sched_yield() loop. Zero both to always park. bench/pogo_channel_bench.cpp
// measures the choices: the yield phase is off by default because on a loaded machine a yield
// hands the core to a CPU-bound thread for a whole time slice (p99 in milliseconds), while a
// parked thread that is woken gets the core back at once.
struct SpinPolicy {
  std::chrono::nanoseconds pause_for{std::chrono::microseconds(20)};
  std::chrono::nanoseconds yield_for{0};
};

// What a waiter has learnt about spinning at one call site (keep one per thread and site). The
// spin budget adapts: a wait that ends while spinning restores the full pause_for; one that has to
// park divides the budget by 4 (down to 0: park at once), and every 128th wait probes with the full
// budget again. Why: on 2 cores under load the awaited thread often shares our core, and then any
// spin only delays it (round trips of 2 x pause_for measured); parking hands the core over at once.
struct SpinState {
  std::chrono::nanoseconds budget{-1};  // < 0: not yet used, start at pause_for
  uint32_t waits = 0;
};

// One pause instruction: tells the core we are spinning (saves power, helps the sibling thread).
inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

class Event {
 public:
  Event() = default;
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  // Makes the event set and wakes the waiter if it is parked. Release: everything written before
  // set() is visible to the waiter once wait_until() returns true.
  void set();
  bool is_set() const { return word_.load(std::memory_order_acquire) == kSet; }
  // Back to unset. Only while no set() can be in flight (the owner knows no one else holds it).
  void reset() { word_.store(kUnset, std::memory_order_relaxed); }
  // Waits until set (true) or until the deadline passes (false). Clock::time_point::max(): no
  // deadline. A deadline already past returns is_set() at once, deterministically.
  bool wait_until(Clock::time_point deadline, const SpinPolicy& policy, SpinState& state);

 private:
  static constexpr uint32_t kUnset = 0, kSet = 1, kParked = 2;
  std::atomic<uint32_t> word_{kUnset};
};

}  // namespace pogo::sync
