// RequestQueue: the hand-off of exchanges from loop threads to PHP threads through Signal (spin,
// then park). Plain C++ threads stand in for both sides; no engine is needed. Every wait polls
// with a deadline; what is asserted is the logical effect (who got which exchange), never timing.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "sapi/request_queue.h"
#include "server/exchange.h"

using pogo::sapi::RequestQueue;
using pogo::server::Exchange;
using pogo::server::RequestHead;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

std::shared_ptr<Exchange> make_exchange(const std::string& uri = "/q.php") {
  RequestHead h;
  h.method = "GET";
  h.uri = uri;
  h.path = uri;
  return std::make_shared<Exchange>(std::move(h), [] {});
}

bool poll_until(const std::function<bool()>& cond, milliseconds deadline = milliseconds(10000)) {
  auto end = Clock::now() + deadline;
  while (!cond()) {
    if (Clock::now() >= end) return cond();
    std::this_thread::yield();
  }
  return true;
}

// K threads, each waiting in one pop() (no idle limit); records what each got.
struct Consumers {
  RequestQueue& q;
  std::vector<std::shared_ptr<Exchange>> got;
  std::vector<std::thread> threads;
  std::atomic<int> returned{0};

  Consumers(RequestQueue& queue, int k) : q(queue), got(size_t(k)) {
    for (int i = 0; i < k; ++i)
      threads.emplace_back([this, i] {
        got[size_t(i)] = q.pop();
        ++returned;
      });
  }
  ~Consumers() { join(); }
  void join() {
    for (auto& t : threads)
      if (t.joinable()) t.join();
  }
};

std::deque<Exchange::Event> events_of(Exchange& ex) {
  Exchange::EventQueue q;
  ex.take_events(q);
  std::deque<Exchange::Event> out;
  for (auto& e : q) out.push_back(std::move(e));
  return out;
}

}  // namespace

TEST_CASE("request queue: concurrent producers and consumers, every exchange popped exactly once") {
  constexpr int kConsumers = 4, kProducers = 3, kPerProducer = 2000;
  RequestQueue q;
  std::vector<std::vector<std::shared_ptr<Exchange>>> popped(kConsumers);
  std::vector<std::vector<std::shared_ptr<Exchange>>> pushed(kProducers);
  std::atomic<int> total{0};
  std::atomic<int> ended{0};
  std::vector<std::thread> consumers;
  for (int c = 0; c < kConsumers; ++c)
    consumers.emplace_back([&, c] {
      while (auto ex = q.pop()) {
        popped[size_t(c)].push_back(std::move(ex));
        ++total;
      }
      ++ended;  // only close() ends a consumer
    });
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p)
    producers.emplace_back([&, p] {
      for (int i = 0; i < kPerProducer; ++i) {
        auto ex = make_exchange();
        pushed[size_t(p)].push_back(ex);
        CHECK(q.push(std::move(ex), true));
        if (i % 64 == 0) std::this_thread::yield();  // let consumers go idle and be woken again
      }
    });
  for (auto& t : producers) t.join();

  CHECK(poll_until([&] { return total.load() == kProducers * kPerProducer; }));
  CHECK(q.size() == 0);
  CHECK(ended.load() == 0);
  q.close();
  for (auto& t : consumers) t.join();
  CHECK(ended.load() == kConsumers);
  CHECK(total.load() == kProducers * kPerProducer);
  CHECK(q.idle_threads() == 0);

  std::set<Exchange*> in, out;
  for (auto& v : pushed)
    for (auto& ex : v) in.insert(ex.get());
  size_t pops = 0;
  for (auto& v : popped)
    for (auto& ex : v) {
      out.insert(ex.get());
      ++pops;
    }
  CHECK(in.size() == size_t(kProducers * kPerProducer));
  CHECK(pops == in.size());  // no exchange handed out twice
  CHECK(out == in);          // none lost
  CHECK_FALSE(q.push(make_exchange()));
}

TEST_CASE("request queue: deferred pushes wait for wake_idle(), which wakes one thread per exchange") {
  // 12 parked threads (more than wake_idle's batch of 8) and 12 deferred exchanges.
  constexpr int kThreads = 12;
  RequestQueue q;
  Consumers c(q, kThreads);
  REQUIRE(poll_until([&] { return q.idle_threads() == unsigned(kThreads); }));
  std::set<Exchange*> pushed;
  for (int i = 0; i < kThreads; ++i) {
    auto ex = make_exchange();
    pushed.insert(ex.get());
    CHECK(q.push(std::move(ex), false));
  }
  // Nobody was woken: every thread is still registered idle and nothing left the queue.
  CHECK(q.size() == size_t(kThreads));
  CHECK(q.idle_threads() == unsigned(kThreads));
  CHECK(c.returned.load() == 0);

  q.wake_idle();
  c.join();
  std::set<Exchange*> got;
  for (auto& ex : c.got) {
    CHECK(ex != nullptr);
    got.insert(ex.get());
  }
  CHECK(got == pushed);
  CHECK(q.size() == 0);
  CHECK(q.idle_threads() == 0);
}

TEST_CASE("request queue: wake_idle() wakes only as many threads as exchanges are queued") {
  constexpr int kThreads = 4;
  RequestQueue q;
  Consumers c(q, kThreads);
  REQUIRE(poll_until([&] { return q.idle_threads() == unsigned(kThreads); }));
  q.wake_idle();  // nothing queued: wakes nobody (the others would just go idle again anyway)
  auto ex = make_exchange();
  CHECK(q.push(ex, false));
  q.wake_idle();
  CHECK(poll_until([&] { return c.returned.load() == 1; }));
  CHECK(q.size() == 0);
  CHECK(poll_until([&] { return q.idle_threads() == unsigned(kThreads - 1); }));
  q.wake_idle();  // already announced: a second call wakes no one
  // The rest are released by close(), with nothing.
  q.close();
  c.join();
  int non_null = 0;
  for (auto& g : c.got)
    if (g) {
      ++non_null;
      CHECK(g == ex);
    }
  CHECK(non_null == 1);
}

TEST_CASE("request queue: a waking push after deferred ones hands out the oldest first") {
  RequestQueue q;
  Consumers c(q, 1);
  REQUIRE(poll_until([&] { return q.idle_threads() == 1u; }));
  auto first = make_exchange("/first"), second = make_exchange("/second");
  CHECK(q.push(first, false));
  CHECK(q.push(second, true));  // wakes the idle thread, which takes the queue's front
  c.join();
  CHECK(c.got[0] == first);
  CHECK(q.size() == 1);
  CHECK(q.pop() == second);
  q.wake_idle();  // the deferred push is still unannounced: harmless with nobody idle
  CHECK(q.size() == 0);
}

TEST_CASE("request queue: pop with an idle limit on an empty queue gives up with idle = true") {
  RequestQueue q;
  bool idle = false;
  auto start = Clock::now();
  CHECK(q.pop(milliseconds(50), &idle) == nullptr);
  CHECK(idle);
  CHECK(Clock::now() - start >= milliseconds(50));  // it waited its limit (a lower bound only)
  CHECK(q.idle_threads() == 0);
  // With something queued it returns it at once, idle = false.
  auto ex = make_exchange();
  CHECK(q.push(ex));
  CHECK(q.pop(milliseconds(50), &idle) == ex);
  CHECK_FALSE(idle);
}

TEST_CASE("request queue: a push racing an idle-limit timeout is never lost") {
  std::mt19937 rng(20240611);
  int taken_by_consumer = 0, left_in_queue = 0;
  for (int round = 0; round < 200; ++round) {
    CAPTURE(round);
    RequestQueue q;
    std::shared_ptr<Exchange> got;
    bool idle = false;
    auto ex = make_exchange();
    auto delay = std::chrono::microseconds(std::uniform_int_distribution<int>(0, 2000)(rng));
    std::thread consumer([&] { got = q.pop(milliseconds(1), &idle); });
    std::thread producer([&, delay] {
      auto at = Clock::now() + delay;
      while (Clock::now() < at) std::this_thread::yield();
      CHECK(q.push(ex, true));
    });
    producer.join();
    consumer.join();
    if (got) {
      ++taken_by_consumer;
      CHECK(got == ex);
      CHECK_FALSE(idle);
      CHECK(q.size() == 0);
    } else {
      ++left_in_queue;
      CHECK(idle);
      REQUIRE(q.size() == 1);
      bool idle2 = true;
      CHECK(q.pop(milliseconds(5000), &idle2) == ex);
      CHECK_FALSE(idle2);
    }
    CHECK(q.idle_threads() == 0);
  }
  MESSAGE("consumer took it in " << taken_by_consumer << " rounds, queue kept it in " << left_in_queue);
}

TEST_CASE("request queue: a push racing an idle-limit timeout never strands the exchange") {
  // B pops with a short idle limit and is the first to go idle (the one allowed to spin, which a
  // push prefers); A then parks without a limit. A push that picks B just as B gives up must still
  // reach a thread: B takes it after all, or (B gone from the idle list first) the push picks A.
  // An exchange left in the queue while A sleeps would be stranded.
  std::mt19937 rng(7);
  int by_b = 0, by_a = 0;
  for (int round = 0; round < 200; ++round) {
    CAPTURE(round);
    RequestQueue q;
    std::shared_ptr<Exchange> got_a, got_b;
    std::atomic<bool> a_done{false}, b_done{false};
    bool idle_b = false;
    auto ex = make_exchange();
    auto limit = milliseconds(std::uniform_int_distribution<int>(1, 2)(rng));
    auto delay = std::chrono::microseconds(std::uniform_int_distribution<int>(0, 2500)(rng));
    std::thread b([&] {
      got_b = q.pop(limit, &idle_b);
      b_done = true;
    });
    REQUIRE(poll_until([&] { return q.idle_threads() >= 1 || b_done.load(); }));
    std::thread a([&] {
      got_a = q.pop();
      a_done = true;
    });
    std::thread producer([&, delay] {
      auto at = Clock::now() + delay;
      while (Clock::now() < at) std::this_thread::yield();
      CHECK(q.push(ex, true));
    });
    producer.join();
    b.join();
    if (got_b) {
      ++by_b;
      CHECK(got_b == ex);
      q.close();  // releases A
      a.join();
      CHECK(got_a == nullptr);
    } else {
      ++by_a;
      CHECK(idle_b);
      CHECK(poll_until([&] { return a_done.load(); }));  // A must be woken for it
      if (!a_done.load()) q.close();  // (failed: let A go to end the test)
      a.join();
      CHECK(got_a == ex);
    }
    CHECK(q.size() == 0);
  }
  MESSAGE("the limited thread took it in " << by_b << " rounds, the parked one in " << by_a);
}

TEST_CASE("request queue: close() releases every parked thread with nullptr") {
  constexpr int kThreads = 6;
  RequestQueue q;
  Consumers c(q, kThreads);
  REQUIRE(poll_until([&] { return q.idle_threads() == unsigned(kThreads); }));
  CHECK_FALSE(q.closed());
  q.close();
  c.join();
  CHECK(c.returned.load() == kThreads);
  for (auto& g : c.got) CHECK(g == nullptr);
  CHECK(q.closed());
  CHECK(q.idle_threads() == 0);
  CHECK_FALSE(q.push(make_exchange()));
  bool idle = true;
  CHECK(q.pop(milliseconds(10), &idle) == nullptr);  // closed: at once, and not "idle"
  CHECK_FALSE(idle);
}

TEST_CASE("request queue: close() hands out what is left before nullptr") {
  RequestQueue q;
  auto a = make_exchange(), b = make_exchange();
  CHECK(q.push(a, false));
  CHECK(q.push(b, true));
  q.close();
  CHECK(q.pop() == a);
  CHECK(q.pop() == b);
  CHECK(q.pop() == nullptr);
}

TEST_CASE("request queue: an exchange that waited past max_wait is answered 503, the next one is handed out") {
  // max_wait generous enough that the fresh exchange, popped right after its push, is in time
  // even on a loaded machine under ASan; the overdue one is made overdue by polling the clock.
  constexpr auto kMaxWait = milliseconds(200);
  RequestQueue q;
  q.set_max_wait(kMaxWait);
  auto overdue = make_exchange("/overdue");
  CHECK(q.push(overdue));
  auto pushed_by = Clock::now();  // the exchange's queued time is before this
  CHECK(poll_until([&] { return Clock::now() - pushed_by > kMaxWait + milliseconds(5); }));
  auto fresh = make_exchange("/fresh");
  CHECK(q.push(fresh));
  bool idle = true;
  CHECK(q.pop(milliseconds(5000), &idle) == fresh);
  CHECK_FALSE(idle);
  CHECK(q.size() == 0);

  auto ev = events_of(*overdue);
  REQUIRE(ev.size() == 3);
  CHECK(ev[0].kind == Exchange::Event::Head);
  CHECK(ev[0].head.status == 503);
  CHECK(ev[1].kind == Exchange::Event::Data);
  CHECK(ev[1].data == "maximum request handling time exceeded");
  CHECK(ev[2].kind == Exchange::Event::End);
  CHECK(events_of(*fresh).empty());

  // expire() answers the overdue ones without a pop; fresh ones stay.
  auto late = make_exchange("/late");
  CHECK(q.push(late));
  pushed_by = Clock::now();
  CHECK(poll_until([&] { return Clock::now() - pushed_by > kMaxWait + milliseconds(5); }));
  auto in_time = make_exchange("/in-time");
  CHECK(q.push(in_time));
  CHECK(q.expire() == 1);
  CHECK(q.size() == 1);
  auto late_ev = events_of(*late);
  REQUIRE_FALSE(late_ev.empty());
  CHECK(late_ev[0].head.status == 503);
  CHECK(q.pop(milliseconds(5000), &idle) == in_time);

  // Only overdue ones queued: pop answers them and then waits out its idle limit.
  auto alone = make_exchange("/alone");
  CHECK(q.push(alone));
  pushed_by = Clock::now();
  CHECK(poll_until([&] { return Clock::now() - pushed_by > kMaxWait + milliseconds(5); }));
  CHECK(q.pop(milliseconds(20), &idle) == nullptr);
  CHECK(idle);
  auto alone_ev = events_of(*alone);
  REQUIRE_FALSE(alone_ev.empty());
  CHECK(alone_ev[0].head.status == 503);
}

TEST_CASE("an exchange whose client left while it was queued is dropped at the front, unanswered") {
  RequestQueue q;
  auto gone1 = make_exchange("/gone1.php");
  auto kept = make_exchange("/kept.php");
  auto gone2 = make_exchange("/gone2.php");
  REQUIRE(q.push(gone1));
  REQUIRE(q.push(kept));
  REQUIRE(q.push(gone2));
  gone1->abort();
  gone2->abort();
  auto got = q.pop();
  REQUIRE(got);
  CHECK(got->head().uri == "/kept.php");
  CHECK(gone1->finished());  // ended, with nothing run for it
  q.close();
  CHECK(q.pop() == nullptr);  // gone2 dropped too, then closed and empty
  CHECK(gone2->finished());
  CHECK_FALSE(kept->finished());
}

TEST_CASE("before_wait runs before each wait: not when an exchange is there, yes after an abandoned one") {
  RequestQueue q;
  std::atomic<int> waits{0};
  auto count = [](void* c) { static_cast<std::atomic<int>*>(c)->fetch_add(1); };
  REQUIRE(q.push(make_exchange("/ready.php")));
  auto got = q.pop(milliseconds(0), nullptr, RequestQueue::kAnyEpoch, +count, &waits);
  REQUIRE(got);
  CHECK(waits.load() == 0);  // one was queued: no wait

  // An abandoned exchange at the front is dropped without waiting; the pop then waits for the
  // next one, and before_wait must run for that wait.
  auto gone = make_exchange("/gone.php");
  REQUIRE(q.push(gone));
  gone->abort();
  std::shared_ptr<Exchange> later;
  std::thread consumer([&] { later = q.pop(milliseconds(0), nullptr, RequestQueue::kAnyEpoch, +count, &waits); });
  REQUIRE(poll_until([&] { return q.idle_threads() == 1; }));
  CHECK(waits.load() == 1);
  REQUIRE(q.push(make_exchange("/later.php")));
  consumer.join();
  REQUIRE(later);
  CHECK(later->head().uri == "/later.php");
}

TEST_CASE("release_waiters: threads idle in pop() with the old epoch return nullptr; queued exchanges stay") {
  RequestQueue q;
  const uint64_t epoch = q.epoch();
  constexpr int kThreads = 3;
  std::atomic<int> released{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&] {
      if (!q.pop(milliseconds(0), nullptr, epoch)) ++released;
    });
  REQUIRE(poll_until([&] { return q.idle_threads() == kThreads; }));
  q.release_waiters();
  REQUIRE(poll_until([&] { return released.load() == kThreads; }));
  for (auto& t : threads) t.join();
  CHECK(q.epoch() == epoch + 1);

  // A pop with the old epoch returns at once, even with an exchange queued; the exchange waits
  // for a pop with the new epoch (or with none).
  auto ex = make_exchange("/kept.php");
  REQUIRE(q.push(ex));
  CHECK(q.pop(milliseconds(0), nullptr, epoch) == nullptr);
  CHECK(q.size() == 1);
  CHECK(q.pop(milliseconds(0), nullptr, q.epoch()) == ex);
  REQUIRE(q.push(make_exchange()));
  CHECK(q.pop() != nullptr);  // kAnyEpoch: restarts do not concern regular threads
  q.close();
}
