// Streaming in both directions: request bodies through the bounded body pipe, flush() reaching the
// loop while the script still runs, a client abort seen by the script.
#include <doctest/doctest.h>

#include <unistd.h>

#include <fstream>
#include <random>
#include <sstream>

#include "tests/sapi/harness.h"

using namespace pogo::sapi::test;
using Kind = pogo::server::Exchange::Event::Kind;

namespace {
uint32_t crc32(const std::string& s) {
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : s) {
    c ^= b;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return ~c;
}
}  // namespace

TEST_CASE("a 6 MB body streams through read_body and arrives whole") {
  std::string body(6 << 20, '\0');
  std::mt19937 rng(42);
  for (auto& c : body) c = char(rng());
  auto head = make_head("POST", "body_size.php", "", {{"Content-Type", "application/octet-stream"}});
  Response r = run(std::move(head), body);
  REQUIRE(r.status == 200);
  char expect[64];
  std::snprintf(expect, sizeof expect, "%zu %08x", body.size(), crc32(body));
  CHECK(r.body == expect);
}

TEST_CASE("a 5 MB response goes through the bounded response pipe (the script blocks, then resumes)") {
  Response r = run(make_head("GET", "big_output.php"));
  CHECK(r.status == 200);
  REQUIRE(r.body.size() == 80u * 65536u);
  CHECK(r.body.compare(0, 16, "0123456789abcdef") == 0);
  CHECK(r.body.compare(r.body.size() - 16, 16, "0123456789abcdef") == 0);
}

TEST_CASE("flush() reaches the loop before the script goes on: two Data events before End") {
  Driver d(make_head("PUT", "flush.php", "", {{"Transfer-Encoding", "chunked"}}), "", /*manual_body=*/true);
  shared_backend().handle(d.exchange());
  // The script waits for the body; "first" must arrive before the body is sent.
  REQUIRE(d.wait_until([](const Response& r) { return !r.chunks.empty(); }));
  CHECK(d.response().chunks.front() == "first");
  CHECK_FALSE(d.response().ended);
  d.exchange()->push_body("go", 2);
  d.exchange()->end_body(true);
  Response& r = d.wait();
  REQUIRE(r.chunks.size() >= 2);
  CHECK(r.chunks[0] == "first");
  CHECK(r.body == "firstsecond:go");
  size_t data_events = 0;
  for (Kind k : r.kinds) data_events += k == Kind::Data;
  CHECK(data_events >= 2);
  CHECK(r.kinds.back() == Kind::End);
}

TEST_CASE("a client abort is seen by connection_aborted() under ignore_user_abort(true)") {
  std::string token = "t" + std::to_string(::getpid());
  std::string marker = "/tmp/pogo-abort-" + token;
  ::unlink(marker.c_str());
  Driver d(make_head("GET", "abort.php", "token=" + token), "");
  shared_backend().handle(d.exchange());
  REQUIRE(d.wait_until([](const Response& r) { return !r.chunks.empty(); }));
  d.exchange()->abort();
  d.wait();
  // The script writes the marker after the response ended; poll for it.
  std::string content;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(marker);
    std::stringstream ss;
    ss << in.rdbuf();
    content = ss.str();
    if (!content.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  CHECK(content == "aborted");
  ::unlink(marker.c_str());
}

TEST_CASE("a client abort ends a script that does not ignore it; the thread goes on") {
  Driver d(make_head("GET", "endless_output.php"), "");
  shared_backend().handle(d.exchange());
  REQUIRE(d.wait_until([](const Response& r) { return !r.chunks.empty(); }));
  d.exchange()->abort();
  d.wait();  // End comes only once the script has ended: long before its 200 s loop would
  CHECK(run(make_head("GET", "hello.php")).body == "Hello, World!");
}
