// A Signal is a one-shot (resettable) event between threads that is fast when the waiter is
// awake: the waiter spins briefly (pause instruction), then yields its core for a while, and only
// then parks on a futex. A futex wake costs ~25 us on the target machine, so a hand-off that
// lands during the spin or yield phase costs well under a microsecond; both phases are bounded
// (SpinPolicy) so an idle waiter never holds a core on a 2-core machine for long.
//
// Threads: set() from any thread; wait_until()/reset() from the one thread that waits on it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace pogo::jobs {

using Clock = std::chrono::steady_clock;

// How long a waiter stays awake before parking. pause_for: busy-wait with a pause instruction
// (the only phase that holds the core); yield_for: sched_yield() loop (lets any other runnable
// thread have the core, costs ~nothing when none is). Zero both to always park (the condvar-like
// baseline the benchmark compares against).
struct SpinPolicy {
  std::chrono::nanoseconds pause_for{std::chrono::microseconds(5)};
  std::chrono::nanoseconds yield_for{std::chrono::microseconds(50)};
};

// One pause instruction: tells the core we are spinning (saves power, helps the sibling thread).
inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

class Signal {
 public:
  Signal() = default;
  Signal(const Signal&) = delete;
  Signal& operator=(const Signal&) = delete;

  // Makes the signal set and wakes the waiter if it is parked. Release: everything written before
  // set() is visible to the waiter once wait_until() returns true.
  void set();
  bool is_set() const { return word_.load(std::memory_order_acquire) == kSet; }
  // Back to unset. Only while no set() can be in flight (the owner knows no one else holds it).
  void reset() { word_.store(kUnset, std::memory_order_relaxed); }
  // Waits until set (true) or until the deadline passes (false). Clock::time_point::max(): no
  // deadline. A deadline already past returns is_set() at once, deterministically.
  bool wait_until(Clock::time_point deadline, const SpinPolicy& policy);

 private:
  static constexpr uint32_t kUnset = 0, kSet = 1, kParked = 2;
  std::atomic<uint32_t> word_{kUnset};
};

}  // namespace pogo::jobs
