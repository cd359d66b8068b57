// sync::HandoffQueue: the hand-off core of the request queue and the job queue, with real threads.
// Every wait polls with a deadline; what is asserted is who got which item and what the queue
// reports, never how long anything took.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "sync/handoff_queue.h"

using namespace std::chrono_literals;
using pogo::sync::Clock;
using Queue = pogo::sync::HandoffQueue<int>;
using Status = Queue::Status;

namespace {

bool poll_until(const std::function<bool()>& cond, std::chrono::milliseconds limit = 10000ms) {
  auto end = Clock::now() + limit;
  while (!cond()) {
    if (Clock::now() >= end) return cond();
    std::this_thread::yield();
  }
  return true;
}

// One thread making one pop() (no deadline unless given); what it got is read after it returned.
struct Consumer {
  Queue& q;
  Queue::Popped got{Status::TimedOut};
  std::atomic<bool> done{false};
  std::thread thread;

  Consumer(Queue& queue, uint64_t epoch = Queue::kAnyEpoch) : q(queue) {
    thread = std::thread([this, epoch] {
      got = q.pop(Clock::time_point::max(), epoch);
      done = true;
    });
  }
  ~Consumer() {
    if (thread.joinable()) thread.join();
  }
};

}  // namespace

TEST_CASE("handoff queue: FIFO with the time each item was queued; an empty pop times out at its deadline") {
  Queue q;
  const auto before = Clock::now();
  for (int i = 1; i <= 5; ++i) CHECK(q.push(i));
  CHECK(q.size() == 5);
  Queue::Snapshot s = q.snapshot();
  CHECK(s.size == 5);
  CHECK(s.waiting == 0);
  CHECK(s.oldest >= before);
  Clock::time_point last{};
  for (int i = 1; i <= 5; ++i) {
    Queue::Popped p = q.pop(Clock::now() + 10s);
    REQUIRE(p.status == Status::Item);
    CHECK(p.item == i);
    CHECK(p.queued >= before);
    CHECK(p.queued >= last);
    last = p.queued;
  }
  CHECK(q.pop(Clock::now() + 2ms).status == Status::TimedOut);
  CHECK(q.pop(Clock::now() - 1ms).status == Status::TimedOut);
  CHECK(q.waiting() == 0);
}

TEST_CASE("handoff queue: a refused push leaves the item with the caller") {
  pogo::sync::HandoffQueue<std::unique_ptr<std::string>> q;
  auto item = std::make_unique<std::string>("kept");
  CHECK(q.push(std::move(item)));
  CHECK(item == nullptr);  // accepted: moved in
  CHECK(q.close().empty());
  auto refused = std::make_unique<std::string>("mine");
  CHECK_FALSE(q.push(std::move(refused)));
  REQUIRE(refused != nullptr);
  CHECK(*refused == "mine");
  // close() without taking: what is left is still handed out, then Closed.
  auto p = q.pop();
  REQUIRE(p.status == decltype(q)::Status::Item);
  CHECK(*p.item == "kept");
  CHECK(q.pop().status == decltype(q)::Status::Closed);
}

TEST_CASE("handoff queue: close(true) gives the closer the items and wakes every idle consumer") {
  Queue q;
  Consumer a(q), b(q);
  REQUIRE(poll_until([&] { return q.waiting() == 2; }));
  q.close(true);
  REQUIRE(poll_until([&] { return a.done && b.done; }));
  CHECK(a.got.status == Status::Closed);
  CHECK(b.got.status == Status::Closed);

  Queue q2;
  q2.push(1);
  q2.push(2);
  std::vector<int> taken = q2.close(true);
  CHECK(taken == std::vector<int>{1, 2});
  CHECK(q2.size() == 0);
  CHECK(q2.pop().status == Status::Closed);
  CHECK(q2.closed());
}

TEST_CASE("handoff queue: a push wakes the spinning consumer first, then the last to go idle") {
  // a goes idle first and becomes the one spinner (it stays so once parked); b, then c park.
  Queue q;
  Consumer a(q);
  REQUIRE(poll_until([&] { return q.waiting() == 1; }));
  Consumer b(q);
  REQUIRE(poll_until([&] { return q.waiting() == 2; }));
  Consumer c(q);
  REQUIRE(poll_until([&] { return q.waiting() == 3; }));

  q.push(1);
  REQUIRE(poll_until([&] { return a.done || b.done || c.done; }));
  CHECK(a.done);  // the spinner, whatever b and c do
  q.push(2);
  REQUIRE(poll_until([&] { return b.done || c.done; }));
  CHECK(c.done);  // LIFO: the warmest of the parked ones
  CHECK(q.waiting() == 1);
  q.close();
  REQUIRE(poll_until([&] { return b.done.load(); }));
  CHECK(a.got.item == 1);
  CHECK(c.got.item == 2);
  CHECK(b.got.status == Status::Closed);
}

TEST_CASE("handoff queue: deferred pushes wait for wake_idle(), which wakes one consumer per item") {
  // More consumers and items than wake_idle()'s batch of 8.
  constexpr int kN = 19;
  Queue q;
  std::vector<std::unique_ptr<Consumer>> consumers;
  for (int i = 0; i < kN + 3; ++i) consumers.push_back(std::make_unique<Consumer>(q));
  REQUIRE(poll_until([&] { return q.waiting() == unsigned(kN + 3); }));
  for (int i = 0; i < kN; ++i) CHECK(q.push(i, /*wake=*/false));
  CHECK(q.size() == size_t(kN));
  q.wake_idle();
  REQUIRE(poll_until([&] { return q.size() == 0; }));
  std::set<int> got;
  REQUIRE(poll_until([&] {
    int n = 0;
    for (auto& c : consumers) n += c->done;
    return n == kN;
  }));
  q.wake_idle();  // nothing left unannounced: wakes nobody
  CHECK(q.waiting() == 3u);
  q.close();
  for (auto& c : consumers) {
    c->thread.join();
    if (c->got.status == Status::Item) got.insert(c->got.item);
  }
  CHECK(got.size() == size_t(kN));
  CHECK(*got.begin() == 0);
  CHECK(*got.rbegin() == kN - 1);
}

TEST_CASE("handoff queue: release_waiters() moves the epoch on; pops for the old epoch are Released") {
  Queue q;
  const uint64_t e0 = q.epoch();
  Consumer old(q, e0);
  REQUIRE(poll_until([&] { return q.waiting() == 1; }));
  q.release_waiters();
  REQUIRE(poll_until([&] { return old.done.load(); }));
  CHECK(old.got.status == Status::Released);
  CHECK(q.epoch() == e0 + 1);
  // Items stay for the consumers of the new epoch; the old epoch gets none of them.
  q.push(7);
  CHECK(q.pop(Clock::now() + 10s, e0).status == Status::Released);
  Queue::Popped p = q.pop(Clock::now() + 10s, q.epoch());
  CHECK(p.status == Status::Item);
  CHECK(p.item == 7);
}

TEST_CASE("handoff queue: remove_first and take_queued_before") {
  Queue q;
  for (int i = 0; i < 4; ++i) q.push(i);
  CHECK(q.remove_first([](int v) { return v == 2; }));
  CHECK_FALSE(q.remove_first([](int v) { return v == 2; }));
  const auto cut = Clock::now();
  q.push(10);
  CHECK(q.take_queued_before(cut) == std::vector<int>{0, 1, 3});
  CHECK(q.size() == 1);
  CHECK(q.pop().item == 10);
}

TEST_CASE("handoff queue: producers and consumers with short deadlines; every item handed out exactly once") {
  // Consumers pop with deadlines of a few hundred microseconds, so pops time out while pushes pick
  // them: the race where a consumer gives up as a push chooses it must not lose the item.
  constexpr int kProducers = 3, kConsumers = 4, kPerProducer = 5000;
  Queue q;
  std::vector<std::vector<int>> got(kConsumers);
  std::atomic<int> total{0}, timeouts{0};
  std::vector<std::thread> consumers;
  for (int c = 0; c < kConsumers; ++c)
    consumers.emplace_back([&, c] {
      for (int i = 0;; ++i) {
        Queue::Popped p = q.pop(i % 2 ? Clock::now() + std::chrono::microseconds(50 + 100 * c) : Clock::time_point::max());
        if (p.status == Status::Closed) return;
        if (p.status == Status::TimedOut) {
          ++timeouts;
          continue;
        }
        got[size_t(c)].push_back(p.item);
        ++total;
      }
    });
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p)
    producers.emplace_back([&, p] {
      for (int i = 0; i < kPerProducer; ++i) {
        CHECK(q.push(p * kPerProducer + i, i % 3 != 0));
        if (i % 3 == 0) q.wake_idle();
        if (i % 50 == 0) std::this_thread::sleep_for(std::chrono::microseconds(100));  // let consumers idle
      }
    });
  for (auto& t : producers) t.join();
  CHECK(poll_until([&] { return total.load() == kProducers * kPerProducer; }));
  q.close();
  for (auto& t : consumers) t.join();
  std::set<int> all;
  size_t n = 0;
  for (auto& v : got) {
    n += v.size();
    all.insert(v.begin(), v.end());
  }
  CHECK(n == size_t(kProducers * kPerProducer));  // none twice
  CHECK(all.size() == n);                          // none lost
  CHECK(q.waiting() == 0);
  MESSAGE("pops that timed out: " << timeouts.load());
}
