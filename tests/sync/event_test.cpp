// sync::Event: set/wait between real threads, with every spin policy (spin, yield, park at once).
// What is asserted is the outcome of each wait (set or not), never how long it took.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "sync/event.h"

using namespace std::chrono_literals;
using pogo::sync::Clock;
using pogo::sync::Event;
using pogo::sync::SpinPolicy;
using pogo::sync::SpinState;

namespace {

const std::vector<SpinPolicy> kPolicies = {SpinPolicy{}, SpinPolicy{0ns, 0ns}, SpinPolicy{0ns, 200us},
                                           SpinPolicy{50us, 50us}};

}  // namespace

TEST_CASE("event: a set event is seen at once; an unset one with a past deadline is not") {
  Event e;
  SpinState state;
  CHECK_FALSE(e.is_set());
  CHECK_FALSE(e.wait_until(Clock::now() - 1ms, SpinPolicy{}, state));
  e.set();
  CHECK(e.is_set());
  CHECK(e.wait_until(Clock::now() - 1ms, SpinPolicy{}, state));
  CHECK(e.wait_until(Clock::time_point::max(), SpinPolicy{}, state));
  e.reset();
  CHECK_FALSE(e.is_set());
}

TEST_CASE("event: a wait with a deadline and no set() ends unset, with every policy") {
  for (const SpinPolicy& policy : kPolicies) {
    Event e;
    SpinState state;
    CHECK_FALSE(e.wait_until(Clock::now() + 5ms, policy, state));
    CHECK_FALSE(e.is_set());
  }
}

TEST_CASE("event: set() from another thread wakes the waiter, parked or spinning, with every policy") {
  for (const SpinPolicy& policy : kPolicies) {
    for (int round = 0; round < 200; ++round) {
      Event e;
      std::atomic<int> outcome{-1};
      std::thread waiter([&] {
        SpinState state;
        // A generous deadline: the wait only fails it if a set() was lost.
        outcome = e.wait_until(Clock::now() + 10s, policy, state) ? 1 : 0;
      });
      if (round % 2) std::this_thread::sleep_for(100us);  // sometimes the waiter is parked by then
      e.set();
      waiter.join();
      CHECK(outcome.load() == 1);
    }
  }
}

TEST_CASE("event: what is written before set() is visible after the wait; ping-pong keeps every hand-off") {
  Event ping, pong;
  int value = 0;  // plain int: published by set(), read after wait_until()
  constexpr int kRounds = 5000;
  std::atomic<bool> ok{true};
  std::thread other([&] {
    SpinState state;
    for (int i = 1; i <= kRounds; ++i) {
      if (!ping.wait_until(Clock::now() + 10s, SpinPolicy{}, state) || value != 2 * i - 1) ok = false;
      ping.reset();
      value = 2 * i;
      pong.set();
    }
  });
  SpinState state;
  for (int i = 1; i <= kRounds && ok; ++i) {
    value = 2 * i - 1;
    ping.set();
    if (!pong.wait_until(Clock::now() + 10s, SpinPolicy{}, state) || value != 2 * i) ok = false;
    pong.reset();
  }
  other.join();
  CHECK(ok.load());
  CHECK(value == 2 * kRounds);
}

TEST_CASE("event: a waiter whose spins keep failing parks at once, and still gets every set()") {
  // The adaptive budget drops to 0 after waits that had to park; the waits must stay correct.
  SpinState state;
  for (int i = 0; i < 50; ++i) {
    Event e;
    std::thread setter([&] {
      std::this_thread::sleep_for(200us);
      e.set();
    });
    CHECK(e.wait_until(Clock::now() + 10s, SpinPolicy{}, state));
    setter.join();
  }
  CHECK(state.budget.count() >= 0);
}
