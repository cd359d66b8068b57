#include <doctest/doctest.h>

#include <atomic>
#include <deque>
#include <string>
#include <thread>

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
    more = ex.push_body(chunk.data(), chunk.size());
    pushed += chunk.size();
  }
  CHECK(pushed >= Exchange::kBodyCapacity);
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

TEST_CASE("a producer blocked on a full response pipe is released by bytes_written and by abort") {
  Exchange ex(RequestHead{}, [] {});
  std::string big(Exchange::kResponseCapacity, 'y');
  CHECK(ex.write(big));
  std::atomic<bool> done{false};
  std::thread producer([&] {
    ex.write("more");
    done = true;
  });
  std::deque<Exchange::Event> events;
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
