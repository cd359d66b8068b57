#include <doctest/doctest.h>

#include <string>

#include "server/request_parser.h"

using namespace pogo::server;

namespace {
struct Collect : RequestParser::BodySink {
  std::string body;
  void on_body(const char* d, size_t n) override { body.append(d, n); }
};

// Feeds everything; returns the first error status, or 0.
int run(RequestParser& p, const std::string& input, int* heads = nullptr, int* completes = nullptr) {
  size_t off = 0;
  for (int guard = 0; guard < 100; ++guard) {
    auto st = p.feed(input.data() + off, input.size() - off);
    off += st.consumed;
    if (st.kind == RequestParser::Step::Error) return st.status;
    if (st.kind == RequestParser::Step::Head && heads) ++*heads;
    if (st.kind == RequestParser::Step::Complete && completes) ++*completes;
    if (st.kind == RequestParser::Step::NeedMore) return 0;
  }
  return -1;
}
}  // namespace

TEST_CASE("a request head is parsed and paused at, then the body, then completion") {
  RequestParser p(1 << 20);
  Collect sink;
  p.set_body_sink(&sink);
  std::string req = "POST /up?x=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nX-A:  v  \r\n\r\nhello";
  auto st = p.feed(req.data(), req.size());
  REQUIRE(st.kind == RequestParser::Step::Head);
  CHECK(p.head().method == "POST");
  CHECK(p.head().uri == "/up?x=1");
  CHECK(*p.head().header("x-a") == "v");
  CHECK(p.head().content_length == 5u);
  CHECK(p.head().has_body);
  CHECK(p.keep_alive());
  CHECK(sink.body.empty());
  st = p.feed(req.data() + st.consumed, req.size() - st.consumed);
  CHECK(st.kind == RequestParser::Step::Complete);
  CHECK(sink.body == "hello");
}

TEST_CASE("a request without body completes on an empty feed after the head") {
  RequestParser p(1 << 20);
  std::string req = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
  auto st = p.feed(req.data(), req.size());
  REQUIRE(st.kind == RequestParser::Step::Head);
  CHECK(st.consumed <= req.size());
  st = p.feed(req.data() + st.consumed, req.size() - st.consumed);
  CHECK(st.kind == RequestParser::Step::Complete);
}

TEST_CASE("pipelined requests stop at each message") {
  RequestParser p(1 << 20);
  int heads = 0, completes = 0;
  std::string two = "GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n";
  CHECK(run(p, two, &heads, &completes) == 0);
  CHECK(heads == 2);
  CHECK(completes == 2);
  CHECK(p.head().uri == "/b");
}

TEST_CASE("chunked bodies are decoded") {
  RequestParser p(1 << 20);
  Collect sink;
  p.set_body_sink(&sink);
  CHECK(run(p, "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n") == 0);
  CHECK(p.chunked());
  CHECK(sink.body == "abcde");
}

TEST_CASE("HTTP/1.0 closes unless keep-alive; Expect: 100-continue is seen") {
  RequestParser a(1 << 20);
  std::string r = "GET / HTTP/1.0\r\n\r\n";
  REQUIRE(a.feed(r.data(), r.size()).kind == RequestParser::Step::Head);
  CHECK_FALSE(a.keep_alive());
  RequestParser b(1 << 20);
  r = "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
  REQUIRE(b.feed(r.data(), r.size()).kind == RequestParser::Step::Head);
  CHECK(b.keep_alive());
  RequestParser c(1 << 20);
  r = "PUT / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n";
  REQUIRE(c.feed(r.data(), r.size()).kind == RequestParser::Step::Head);
  CHECK(c.expects_continue());
}

TEST_CASE("malformed requests become 400, 431 or 505") {
  struct Case {
    std::string name;
    std::string input;
    int status;
  };
  const Case cases[] = {
      {"garbage", "HELLO\r\n\r\n", 400},
      {"bad version", "GET / HTTP/9.9\r\nHost: h\r\n\r\n", 400},
      {"http2 version", "GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505},
      {"CL and TE", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
      {"invalid CL", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: abc\r\n\r\n", 400},
      {"two different CL", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400},
      {"NUL in path", std::string("GET /a\0b HTTP/1.1\r\nHost: h\r\n\r\n", 31), 400},
      {"control char in path", "GET /a\x01 HTTP/1.1\r\nHost: h\r\n\r\n", 400},
      {"bad chunk size", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400},
      {"unknown TE", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n", 400},
      {"missing Host", "GET / HTTP/1.1\r\n\r\n", 400},
      {"space in header name", "GET / HTTP/1.1\r\nHost: h\r\nBad Name: x\r\n\r\n", 400},
      {"header too large", "GET / HTTP/1.1\r\nHost: h\r\nX: " + std::string(2000, 'a') + "\r\n\r\n", 431},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    RequestParser p(1024);
    CHECK(run(p, c.input) == c.status);
  }
}
