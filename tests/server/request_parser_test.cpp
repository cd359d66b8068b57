#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

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

TEST_CASE("a head parsed into again keeps nothing of the previous request") {
  RequestParser p(1 << 20);
  RequestHead target;  // as a connection's stream's head: the parser writes into it, nothing moves
  p.parse_into(target);
  auto parse = [&](const std::string& req) {
    auto st = p.feed(req.data(), req.size());
    REQUIRE(st.kind == RequestParser::Step::Head);
    CHECK(&p.head() == &target);
    st = p.feed(req.data() + st.consumed, req.size() - st.consumed);
    CHECK(st.kind == RequestParser::Step::Complete);
  };
  parse(
      "POST /a/long/path/to/something?query=with-some-length HTTP/1.1\r\nHost: example.test\r\n"
      "User-Agent: a user agent string longer than fifteen bytes\r\nContent-Length: 0\r\n"
      "X-Padded:   spaced value   \r\n\r\n");
  CHECK(*target.header("x-padded") == "spaced value");
  // What routing and the connection write into the head.
  target.path = "/routing/wrote/this/path";
  target.script_filename = "/srv/index.php";
  target.env.push_back({"A", "B"});
  target.client_ip = "203.0.113.9";
  target.remote_addr = "192.0.2.1";
  target.tls_env.push_back({"SSL_PROTOCOL", "TLSv1.3"});
  target.scheme = "https";

  parse("GET /b HTTP/1.1\r\nHost: h\r\nAccept: text/plain, application/json\r\n\r\n");
  CHECK(target.method == "GET");
  CHECK(target.uri == "/b");
  REQUIRE(target.headers.size() == 2);
  CHECK(target.headers[0].name == "Host");
  CHECK(target.headers[0].value == "h");
  CHECK(target.headers[1].name == "Accept");
  CHECK(target.headers[1].value == "text/plain, application/json");
  CHECK(target.path.empty());
  CHECK(target.query.empty());
  CHECK(target.script_filename.empty());
  CHECK(target.env.empty());
  CHECK(target.client_ip.empty());
  CHECK(target.remote_addr.empty());
  CHECK(target.tls_env.empty());
  CHECK_FALSE(target.content_length);
  CHECK_FALSE(target.has_body);
  CHECK(target.scheme == "http");

  // More lines than the last request had, then fewer: each line is whole, none is left over.
  parse("GET /c HTTP/1.1\r\nHost: h2\r\nA: 1\r\nB: a value longer than fifteen bytes\r\nC: 3\r\n\r\n");
  REQUIRE(target.headers.size() == 4);
  CHECK(target.headers[2].name == "B");
  CHECK(target.headers[2].value == "a value longer than fifteen bytes");
  CHECK(target.headers[3].name == "C");
  parse("GET /d HTTP/1.1\r\nHost: h3\r\n\r\n");
  REQUIRE(target.headers.size() == 1);
  CHECK(target.headers[0].value == "h3");
}

TEST_CASE("a chunked request's trailers never reach the head it was parsed into") {
  RequestParser p(1 << 20);
  RequestHead target;
  p.parse_into(target);
  Collect sink;
  p.set_body_sink(&sink);
  CHECK(run(p, "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n"
               "X-Checksum: 1\r\nX-Other: 2\r\n\r\n") == 0);
  CHECK(sink.body == "abc");
  REQUIRE(target.headers.size() == 2);
  CHECK(target.headers[0].name == "Host");
  CHECK(target.headers[1].name == "Transfer-Encoding");
  CHECK_FALSE(target.header("X-Checksum"));
  // The next request's lines are whole: the trailers left nothing in the spare strings.
  CHECK(run(p, "GET /n HTTP/1.1\r\nHost: n\r\nX-A: a\r\nX-B: b\r\n\r\n") == 0);
  REQUIRE(target.headers.size() == 3);
  CHECK(target.headers[1].name == "X-A");
  CHECK(target.headers[1].value == "a");
  CHECK(target.headers[2].name == "X-B");
  CHECK(target.headers[2].value == "b");
}

TEST_CASE("the same request again and again: once warm, parsing it allocates no new buffer") {
  RequestParser p(1 << 20);
  RequestHead target;
  p.parse_into(target);
  const std::string req =
      "GET /assets/application-0123456789abcdef.css?v=2024 HTTP/1.1\r\nHost: www.example.test\r\n"
      "User-Agent: Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/128.0\r\n"
      "Accept: text/css,*/*;q=0.1\r\nAccept-Language: en-US,en;q=0.5\r\n"
      "Accept-Encoding: gzip, deflate, br, zstd\r\nReferer: https://www.example.test/some/page\r\n\r\n";
  // The heap buffers a head holds (strings past the small-string capacity).
  auto buffers = [](const RequestHead& h) {
    std::vector<const char*> out;
    auto add = [&](const std::string& s) {
      if (s.capacity() > 15) out.push_back(s.data());
    };
    add(h.uri);
    for (const auto& x : h.headers) {
      add(x.name);
      add(x.value);
    }
    std::sort(out.begin(), out.end());
    return out;
  };
  std::vector<const char*> previous;
  for (int round = 0; round < 6; ++round) {
    auto st = p.feed(req.data(), req.size());
    REQUIRE(st.kind == RequestParser::Step::Head);
    REQUIRE(p.feed(req.data() + st.consumed, req.size() - st.consumed).kind == RequestParser::Step::Complete);
    CHECK(target.headers.size() == 6);
    CHECK(*target.header("referer") == "https://www.example.test/some/page");
    target.path = "/assets/application-0123456789abcdef.css";  // as routing does
    std::vector<const char*> now = buffers(target);
    if (round == 5) CHECK(now == previous);  // every buffer is one the round before had
    previous = now;
  }
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
