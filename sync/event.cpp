#include "sync/event.h"

#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <ctime>

namespace pogo::sync {
namespace {

static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t));

uint32_t* futex_addr(std::atomic<uint32_t>& word) { return reinterpret_cast<uint32_t*>(&word); }

// Parks while *word == expected, until woken or the absolute CLOCK_MONOTONIC deadline (which is
// what std::chrono::steady_clock reads on Linux). Spurious returns are fine: callers re-check.
void futex_wait(std::atomic<uint32_t>& word, uint32_t expected, Clock::time_point deadline) {
  timespec ts{};
  timespec* timeout = nullptr;
  if (deadline != Clock::time_point::max()) {
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline.time_since_epoch()).count();
    if (ns < 0) ns = 0;
    ts.tv_sec = static_cast<time_t>(ns / 1000000000);
    ts.tv_nsec = static_cast<long>(ns % 1000000000);
    timeout = &ts;
  }
  syscall(SYS_futex, futex_addr(word), FUTEX_WAIT_BITSET_PRIVATE, expected, timeout, nullptr,
          FUTEX_BITSET_MATCH_ANY);
}

void futex_wake_all(std::atomic<uint32_t>& word) {
  syscall(SYS_futex, futex_addr(word), FUTEX_WAKE_PRIVATE, INT_MAX, nullptr, nullptr, 0);
}

}  // namespace

void Event::set() {
  if (word_.exchange(kSet, std::memory_order_acq_rel) == kParked) futex_wake_all(word_);
}

bool Event::wait_until(Clock::time_point deadline, const SpinPolicy& policy, SpinState& state) {
  if (is_set()) return true;
  const auto start = Clock::now();
  if (start >= deadline) return false;

  // Spin: check the clock every 32 pauses.
  if (state.budget.count() < 0) state.budget = policy.pause_for;
  auto budget = state.budget;
  const bool probe = budget < policy.pause_for && ++state.waits % 128 == 0;
  if (probe) budget = policy.pause_for;
  if (budget.count() > 0) {
    const auto spin_end = std::min(deadline, start + budget);
    for (auto now = start; now < spin_end; now = Clock::now()) {
      for (int i = 0; i < 32; ++i) {
        if (is_set()) {
          state.budget = policy.pause_for;
          return true;
        }
        cpu_relax();
      }
    }
    const auto next = (probe ? state.budget : budget) / 4;
    state.budget = next < std::chrono::nanoseconds(500) ? std::chrono::nanoseconds(0) : next;
  }
  if (policy.yield_for.count() > 0) {
    const auto yield_end = std::min(deadline, Clock::now() + policy.yield_for);
    for (auto now = Clock::now(); now < yield_end; now = Clock::now()) {
      if (is_set()) return true;
      sched_yield();
    }
  }

  for (;;) {
    uint32_t w = word_.load(std::memory_order_acquire);
    if (w == kSet) return true;
    if (w == kUnset &&
        !word_.compare_exchange_strong(w, kParked, std::memory_order_acq_rel, std::memory_order_acquire)) {
      if (w == kSet) return true;
    }
    if (Clock::now() >= deadline) return is_set();
    futex_wait(word_, kParked, deadline);
  }
}

}  // namespace pogo::sync
