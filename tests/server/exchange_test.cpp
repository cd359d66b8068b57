#include <doctest/doctest.h>

#include <atomic>
#include <deque>
#include <string>
#include <thread>
#include <vector>

#include "server/exchange.h"

using pogo::server::Exchange;
using pogo::server::RequestHead;

TEST_CASE("request headers are found case-insensitively and joined with comma-space") {
  RequestHead h;
  h.headers = {{"Accept", "a"}, {"X-Foo", "1"}, {"x-foo", "2"}};
  REQUIRE(h.header("ACCEPT") != nullptr);
  CHECK(*h.header("accept") == "a");
  CHECK(h.header("missing") == nullptr);
  CHECK(h.joined_header("X-FOO") == "1, 2");
}

TEST_CASE("body pipe pauses when full and resumes once drained to half") {
  std::atomic<int> wakes{0};
  Exchange ex(RequestHead{}, [&] { ++wakes; });
  std::string chunk(64 << 10, 'x');
  size_t pushed = 0;
  bool more = true;
  while (more) {
    more = ex.push_body(chunk.data(), chunk.size()) == Exchange::Push::More;
    pushed += chunk.size();
  }
  CHECK(pushed >= Exchange::kBodyMemory);
  CHECK_FALSE(ex.body_wants_more());
  std::string buf(pushed, '\0');
  size_t got = 0;
  while (got < pushed / 2 + 1) got += ex.read_body(buf.data(), 4096);
  CHECK(wakes.load() == 1);
  ex.begin_loop_turn();
  CHECK(ex.body_wants_more());
  CHECK_FALSE(ex.body_wants_more());  // reported once
  ex.end_body(true);
  while (ex.read_body(buf.data(), buf.size()) > 0) {
  }
  CHECK(ex.body_complete());
}

TEST_CASE("without a spool, a producer blocked on a full response pipe is released by bytes_written and by abort") {
  Exchange ex(RequestHead{}, [] {}, 0);
  std::string big(Exchange::kResponseCapacity, 'y');
  CHECK(ex.write(big));
  std::atomic<bool> done{false};
  std::thread producer([&] {
    ex.write("more");
    done = true;
  });
  Exchange::EventQueue events;
  ex.take_events(events);
  REQUIRE(events.size() == 2);
  CHECK(events[0].kind == Exchange::Event::Head);
  CHECK(events[0].head.status == 200);
  CHECK(events[1].kind == Exchange::Event::Data);
  ex.bytes_written(big.size());
  producer.join();
  CHECK(done.load());

  CHECK(ex.write(big));
  std::thread blocked([&] { CHECK_FALSE(ex.write("dropped")); });
  ex.abort();
  blocked.join();
  ex.finish();
  events.clear();
  ex.take_events(events);
  CHECK(events.back().kind == Exchange::Event::End);
}

TEST_CASE("a discarded exchange (intercept took its place): the producer is not aborted, its writes are dropped") {
  Exchange ex(RequestHead{}, [] {}, 0);
  std::string big(Exchange::kResponseCapacity, 'y');
  CHECK(ex.write(big));
  // A producer waiting for room is released, its bytes dropped, the exchange never aborted.
  std::thread blocked([&] { CHECK(ex.write("waits for room")); });
  ex.discard();
  blocked.join();
  CHECK(ex.discarded());
  CHECK_FALSE(ex.aborted());
  for (int i = 0; i < 8; ++i) CHECK(ex.write(big));  // past every budget: nothing waits, nothing is kept
  CHECK(ex.try_write("x", 1 << 20) == Exchange::TryWrite::Aborted);
  Exchange::EventQueue events;
  ex.take_events(events);
  REQUIRE(events.size() == 2);  // the head and the first write only
  CHECK(events[1].data.size() == big.size());
}

// ---- wake-ups: the producer wakes the loop once per response, not per event ----
//
// The loop side is played by the test thread. A wake-up is only counted when wake_loop is really
// called; begin_loop_turn() re-arms the coalescing flag exactly as Connection::on_exchange_wake does
// (re-arm first, then take the events).

namespace {

using pogo::server::ResponseHead;

enum class Op { Head, Write, Flush, Finish, Interim, Turn, EmptyWrite };

struct Step {
  Op op;
  size_t n;      // bytes for Write
  int wakes;     // wake_loop calls counted after this step
};

struct WakeCase {
  const char* name;
  std::vector<Step> steps;
};

constexpr size_t kT = Exchange::kWakeThreshold;

void run_step(Exchange& ex, const Step& s) {
  switch (s.op) {
    case Op::Head: ex.send_head(ResponseHead{200, {{"Content-Type", "text/plain"}}}); break;
    case Op::Write: CHECK(ex.write(std::string(s.n, 'w'))); break;
    case Op::EmptyWrite: CHECK(ex.write("")); break;
    case Op::Flush: ex.flush(); break;
    case Op::Finish: ex.finish(); break;
    case Op::Interim: ex.send_interim(ResponseHead{103, {{"Link", "</a.css>; rel=preload"}}}); break;
    case Op::Turn: {
      ex.begin_loop_turn();
      Exchange::EventQueue events;
      ex.take_events(events);
      size_t data = 0;
      for (auto& e : events)
        if (e.kind == Exchange::Event::Data) data += e.data.size();
      ex.bytes_written(data);
      break;
    }
  }
}

}  // namespace

TEST_CASE("the producer wakes the loop only on finish, flush, interim, the threshold") {
  const std::vector<WakeCase> cases = {
      {"head and a small write stay quiet; finish wakes once",
       {{Op::Head, 0, 0}, {Op::Write, 100, 0}, {Op::Finish, 0, 1}}},
      {"a default head from the first write stays quiet",
       {{Op::Write, 10, 0}, {Op::Write, 10, 0}, {Op::Finish, 0, 1}}},
      {"an empty write stays quiet", {{Op::Head, 0, 0}, {Op::EmptyWrite, 0, 0}, {Op::Finish, 0, 1}}},
      {"finish alone (default head + end) wakes once", {{Op::Finish, 0, 1}}},
      {"finish is idempotent", {{Op::Finish, 0, 1}, {Op::Turn, 0, 1}, {Op::Finish, 0, 1}}},
      {"flush after a write wakes; flush with nothing new does not",
       {{Op::Write, 100, 0}, {Op::Flush, 0, 1}, {Op::Turn, 0, 1}, {Op::Flush, 0, 1}, {Op::Flush, 0, 1}}},
      {"flush after only the head wakes", {{Op::Head, 0, 0}, {Op::Flush, 0, 1}}},
      {"flush on a fresh exchange does not wake", {{Op::Flush, 0, 0}, {Op::Turn, 0, 0}, {Op::Flush, 0, 0}}},
      {"flush, write, flush: a wake per flushed batch once the loop took its turn",
       {{Op::Write, 5, 0}, {Op::Flush, 0, 1}, {Op::Turn, 0, 1}, {Op::Write, 5, 1}, {Op::Flush, 0, 2},
        {Op::Turn, 0, 2}, {Op::Finish, 0, 3}}},
      {"wake-ups coalesce until the loop begins its turn",
       {{Op::Write, 5, 0}, {Op::Flush, 0, 1}, {Op::Write, 5, 1}, {Op::Flush, 0, 1}, {Op::Finish, 0, 1},
        {Op::Turn, 0, 1}}},
      {"writes adding up to the threshold wake at the threshold",
       {{Op::Head, 0, 0}, {Op::Write, kT / 2, 0}, {Op::Write, kT / 2 - 1, 0}, {Op::Write, 1, 1}}},
      {"one write of the threshold wakes", {{Op::Write, kT, 1}}},
      {"the threshold counts from the last wake-up",
       {{Op::Write, kT, 1}, {Op::Turn, 0, 1}, {Op::Write, kT - 1, 1}, {Op::Write, 1, 2}, {Op::Turn, 0, 2},
        {Op::Write, 100, 2}, {Op::Flush, 0, 3}, {Op::Turn, 0, 3}, {Op::Write, kT - 1, 3},
        {Op::Finish, 0, 4}}},
      {"a flush resets the threshold count",
       {{Op::Write, kT - 1, 0}, {Op::Flush, 0, 1}, {Op::Turn, 0, 1}, {Op::Write, 1, 1}, {Op::Write, kT - 2, 1},
        {Op::Write, 1, 2}}},
      {"an interim response wakes at once", {{Op::Interim, 0, 1}, {Op::Turn, 0, 1}, {Op::Head, 0, 1},
                                               {Op::Write, 10, 1}, {Op::Finish, 0, 2}}},
      {"an interim response after the head is ignored and does not wake",
       {{Op::Head, 0, 0}, {Op::Interim, 0, 0}, {Op::Write, 10, 0}, {Op::Finish, 0, 1}}},
      {"writes after finish are dropped without waking",
       {{Op::Finish, 0, 1}, {Op::Turn, 0, 1}, {Op::Write, kT, 1}, {Op::Flush, 0, 1}}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    std::atomic<int> wakes{0};
    Exchange ex(RequestHead{}, [&] { ++wakes; });
    for (size_t i = 0; i < c.steps.size(); ++i) {
      CAPTURE(i);
      run_step(ex, c.steps[i]);
      CHECK(wakes.load() == c.steps[i].wakes);
    }
  }
}

TEST_CASE("what a wake-up announces is queued: the head, the data and the end arrive together") {
  std::atomic<int> wakes{0};
  Exchange ex(RequestHead{}, [&] { ++wakes; });
  ex.send_head(ResponseHead{201, {}});
  CHECK(ex.write("abc"));
  CHECK(ex.write("def"));
  ex.finish();
  CHECK(wakes.load() == 1);
  ex.begin_loop_turn();
  Exchange::EventQueue events;
  ex.take_events(events);
  REQUIRE(events.size() == 3);
  CHECK(events[0].kind == Exchange::Event::Head);
  CHECK(events[0].head.status == 201);
  CHECK(events[1].kind == Exchange::Event::Data);
  CHECK(events[1].data == "abcdef");
  CHECK(events[2].kind == Exchange::Event::End);
}

TEST_CASE("without a spool, a producer that fills the response pipe wakes the loop before it blocks") {
  // The loop never reports bytes written, so the producer fills the pipe and blocks. The loop here
  // re-arms at once on every wake-up (each producer wake is seen) and records how much the producer
  // had queued when it woke it. The last wake-up must announce everything queued before the
  // producer blocks: with 1000-byte writes the pipe is full after 263 writes (263,000 bytes), and
  // the last 8,000 of them were queued after the last threshold wake-up, so only a wake-up before
  // waiting announces them.
  constexpr size_t kPiece = 1000;
  const size_t accepted = (Exchange::kResponseCapacity + kPiece - 1) / kPiece * kPiece;
  REQUIRE(accepted % kT != 0);
  std::atomic<int> wakes{0};
  std::atomic<size_t> written{0};    // bytes whose write() returned (producer)
  std::atomic<size_t> announced{0};  // `written` at the last wake-up
  Exchange* self = nullptr;
  Exchange ex(RequestHead{}, [&] {
    ++wakes;
    announced = written.load();
    self->begin_loop_turn();
  }, 0);
  self = &ex;
  std::atomic<bool> done{false};
  std::thread producer([&] {
    std::string piece(kPiece, 'p');
    while (written.load() < accepted + 10 * kPiece) {
      if (!ex.write(piece)) break;
      written += kPiece;
    }
    done = true;
  });
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (announced.load() < accepted && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  CHECK(announced.load() == accepted);
  CHECK(written.load() == accepted);
  CHECK_FALSE(done.load());  // nothing was reported written: the producer cannot be past its wait
  CHECK(wakes.load() == int(accepted / 17000) + 1);  // every 17 writes (>= 16 KiB), and before blocking

  // The loop takes it all and reports it written: the producer goes on and ends by itself.
  Exchange::EventQueue events;
  ex.take_events(events);
  size_t taken = 0;
  for (auto& e : events)
    if (e.kind == Exchange::Event::Data) taken += e.data.size();
  CHECK(taken == accepted);
  ex.bytes_written(taken);
  producer.join();
  CHECK(done.load());
  CHECK(written.load() == accepted + 10 * kPiece);
}

TEST_CASE("without a spool, a write that has to wait for room wakes the loop even below the threshold") {
  // Exact counts: 1 wake at the threshold for the first big write; after the loop's turn, 100
  // bytes fill the pipe exactly (quiet), and the next write must wake before blocking.
  std::atomic<int> wakes{0};
  Exchange ex(RequestHead{}, [&] { ++wakes; }, 0);
  std::atomic<bool> go{false}, done{false};
  std::thread producer([&] {
    CHECK(ex.write(std::string(Exchange::kResponseCapacity - 100, 'a')));
    while (!go.load()) std::this_thread::yield();
    CHECK(ex.write(std::string(100, 'b')));
    CHECK(ex.write("c"));  // pipe full: wakes, then blocks
    done = true;
  });
  auto wait_wakes = [&](int n) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (wakes.load() < n && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
    return wakes.load();
  };
  CHECK(wait_wakes(1) == 1);
  ex.begin_loop_turn();
  Exchange::EventQueue events;
  ex.take_events(events);
  REQUIRE(events.size() == 2);  // head + data
  CHECK(events[1].data.size() == Exchange::kResponseCapacity - 100);
  events.clear();
  go = true;
  CHECK(wait_wakes(2) == 2);
  CHECK_FALSE(done.load());  // no bytes_written yet: it is blocked (or about to be)
  ex.begin_loop_turn();
  ex.take_events(events);
  REQUIRE(events.size() == 1);
  CHECK(events[0].data == std::string(100, 'b'));
  ex.bytes_written(Exchange::kResponseCapacity);
  producer.join();
  CHECK(done.load());
  CHECK(wakes.load() == 2);  // "c" is queued quietly after the wait
  ex.finish();
  CHECK(wakes.load() == 3);
}

TEST_CASE("read_body wakes the loop for what was queued before it blocks") {
  std::atomic<int> wakes{0};
  Exchange ex(RequestHead{}, [&] { ++wakes; });
  std::atomic<bool> done{false};
  std::thread producer([&] {
    ex.send_head(ResponseHead{200, {{"X-Early", "1"}}});
    char buf[16];
    CHECK(ex.read_body(buf, sizeof buf) == 0);  // blocks until the body ends
    done = true;
  });
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (wakes.load() < 1 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  CHECK(wakes.load() == 1);
  ex.begin_loop_turn();
  Exchange::EventQueue events;
  ex.take_events(events);
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == Exchange::Event::Head);
  CHECK_FALSE(done.load());  // the body has not ended: read_body cannot have returned
  ex.end_body(true);
  producer.join();
  CHECK(done.load());
  CHECK(wakes.load() == 1);
}

TEST_CASE("read_body with nothing queued, or nothing new since the last wake-up, does not wake") {
  std::atomic<int> wakes{0};
  Exchange ex(RequestHead{}, [&] { ++wakes; });
  ex.push_body("abcdef", 6);
  char buf[3];
  CHECK(ex.read_body(buf, sizeof buf) == 3);  // nothing queued yet
  CHECK(wakes.load() == 0);
  ex.send_head(ResponseHead{});
  CHECK(ex.read_body(buf, sizeof buf) == 3);  // the head was queued quietly: announced now
  CHECK(wakes.load() == 1);
  ex.begin_loop_turn();
  ex.end_body(true);
  CHECK(ex.read_body(buf, sizeof buf) == 0);  // nothing new since
  CHECK(wakes.load() == 1);
  CHECK(ex.body_complete());
}

// ---- the spool: past kResponseCapacity the producer goes on, the bytes wait in a file ----

namespace {
std::string pattern(size_t n, size_t from) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = char('a' + (from + i) % 26);
  return s;
}
}  // namespace

TEST_CASE("a producer past the memory budget never blocks: the rest is spooled and read back in order") {
  Exchange ex(RequestHead{}, [] {});
  const size_t total = Exchange::kResponseCapacity * 6 + 123;
  size_t sent = 0;
  while (sent < total) {  // the loop reports nothing written: without the spool this would block
    size_t n = std::min<size_t>(10000, total - sent);
    REQUIRE(ex.write(pattern(n, sent)));
    sent += n;
  }
  ex.finish();
  Exchange::EventQueue events;
  ex.take_events(events);
  std::string got;
  size_t spooled_events = 0;
  for (auto& e : events) {
    if (e.kind == Exchange::Event::Data) got += e.data;
    if (e.kind != Exchange::Event::Spooled) continue;
    ++spooled_events;
    std::string buf(7777, '\0');  // an odd size: reads cross the writes' boundaries
    for (uint64_t left = e.spooled; left > 0;) {
      size_t n = ex.read_spooled(buf.data(), std::min<uint64_t>(left, buf.size()));
      REQUIRE(n > 0);
      got.append(buf, 0, n);
      left -= n;
    }
  }
  CHECK(spooled_events == 1);  // consecutive spooled writes make one event
  CHECK(events.back().kind == Exchange::Event::End);
  REQUIRE(got.size() == total);
  CHECK(got == pattern(total, 0));
}

TEST_CASE("once bytes are spooled, later writes follow them even when memory has room again") {
  Exchange ex(RequestHead{}, [] {});
  REQUIRE(ex.write(std::string(Exchange::kResponseCapacity, 'm')));
  REQUIRE(ex.write("s1"));  // memory full: spooled
  Exchange::EventQueue events;
  ex.take_events(events);
  ex.bytes_written(Exchange::kResponseCapacity);  // memory is free again
  REQUIRE(ex.write("s2"));  // still behind s1 in the spool
  ex.take_events(events);
  REQUIRE(events.size() == 4);  // head, data, spooled(s1) + spooled(s2) as two events across takes
  CHECK(events[2].kind == Exchange::Event::Spooled);
  CHECK(events[3].kind == Exchange::Event::Spooled);
  char buf[8];
  REQUIRE(ex.read_spooled(buf, sizeof buf) == 4);
  CHECK(std::string(buf, 4) == "s1s2");
  REQUIRE(ex.write("m2"));  // the spool is empty: memory again
  events.clear();
  ex.take_events(events);
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == Exchange::Event::Data);
  CHECK(events[0].data == "m2");
}

TEST_CASE("a buffered request body never pauses the loop and spills past its memory into a file") {
  Exchange ex(RequestHead{}, [] {});
  ex.buffer_body();
  const size_t total = Exchange::kBodyMemory * 5 + 17;
  for (size_t sent = 0; sent < total;) {
    size_t n = std::min<size_t>(9000, total - sent);
    std::string piece = pattern(n, sent);
    REQUIRE(ex.push_body(piece.data(), n) == Exchange::Push::More);
    sent += n;
  }
  ex.end_body(true);
  CHECK_FALSE(ex.body_wants_more());
  std::string got, buf(5000, '\0');
  while (size_t n = ex.read_body(buf.data(), buf.size())) got.append(buf, 0, n);
  CHECK(got == pattern(total, 0));
  CHECK(ex.body_complete());
}
