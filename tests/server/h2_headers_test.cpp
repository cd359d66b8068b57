#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

#include "server/h2_headers.h"

using namespace pogo::server;

namespace {
using Fields = std::vector<std::pair<std::string, std::string>>;

H2RequestBuilder::Verdict build(const Fields& fields, RequestHead& out, bool end_stream = true, size_t limit = 1 << 20,
                                std::string* reason = nullptr) {
  H2RequestBuilder b(limit);
  for (const auto& [n, v] : fields) b.add(n, v);
  auto verdict = b.finish(false, end_stream, out);
  if (reason) *reason = b.reason();
  return verdict;
}

const Fields kGet = {{":method", "GET"}, {":scheme", "http"}, {":authority", "example.com"}, {":path", "/a?b=1"}};
}  // namespace

TEST_CASE("pseudo-headers become the request line, :authority the Host header") {
  RequestHead h;
  Fields f = kGet;
  f.push_back({"accept", "*/*"});
  REQUIRE(build(f, h) == H2RequestBuilder::Verdict::Ok);
  CHECK(h.method == "GET");
  CHECK(h.uri == "/a?b=1");
  CHECK(h.http_major == 2);
  CHECK(h.http_minor == 0);
  CHECK(h.scheme == "http");
  CHECK_FALSE(h.has_body);
  REQUIRE(h.headers.size() == 2);
  CHECK(h.headers[0].name == "host");
  CHECK(h.headers[0].value == "example.com");
  CHECK(*h.header("Accept") == "*/*");
  CHECK(h.request_time > 0);
}

TEST_CASE(":authority wins over a host field; without it the host field is kept, first") {
  RequestHead h;
  Fields f = kGet;
  f.push_back({"host", "other.example"});
  REQUIRE(build(f, h) == H2RequestBuilder::Verdict::Ok);
  CHECK(h.joined_header("host") == "example.com");

  RequestHead h2;
  REQUIRE(build({{":method", "GET"}, {":scheme", "http"}, {":path", "/"}, {"x-a", "1"}, {"host", "h.example:8080"}}, h2) ==
          H2RequestBuilder::Verdict::Ok);
  REQUIRE(h2.headers.size() == 2);
  CHECK(h2.headers[0].name == "host");
  CHECK(h2.headers[0].value == "h.example:8080");
}

TEST_CASE("cookie fields are joined with '; ' where the first one was") {
  RequestHead h;
  Fields f = kGet;
  f.insert(f.end(), {{"x-before", "1"}, {"cookie", "a=1"}, {"x-mid", "2"}, {"cookie", "b=2"}, {"cookie", "c=3"}});
  REQUIRE(build(f, h) == H2RequestBuilder::Verdict::Ok);
  REQUIRE(h.headers.size() == 4);  // host, x-before, cookie, x-mid
  CHECK(h.headers[2].name == "cookie");
  CHECK(h.headers[2].value == "a=1; b=2; c=3");
}

TEST_CASE("content-length and the body flag") {
  struct Case {
    const char* content_length;  // nullptr: none
    bool end_stream;
    bool has_body;
  };
  for (const Case& c : {Case{nullptr, true, false}, Case{nullptr, false, true}, Case{"0", false, false},
                        Case{"12", false, true}}) {
    CAPTURE(c.content_length ? c.content_length : "none");
    CAPTURE(c.end_stream);
    RequestHead h;
    Fields f = {{":method", "POST"}, {":scheme", "http"}, {":authority", "x"}, {":path", "/"}};
    if (c.content_length) f.push_back({"content-length", c.content_length});
    REQUIRE(build(f, h, c.end_stream) == H2RequestBuilder::Verdict::Ok);
    CHECK(h.has_body == c.has_body);
    if (c.content_length) CHECK(h.content_length == std::stoull(c.content_length));
  }
}

TEST_CASE("refusals: CONNECT, a bad Host, two Host fields, a list past the limit") {
  RequestHead h;
  CHECK(build({{":method", "CONNECT"}, {":authority", "example.com:443"}}, h) == H2RequestBuilder::Verdict::Connect);
  std::string why;
  CHECK(build({{":method", "GET"}, {":scheme", "http"}, {":authority", "a b"}, {":path", "/"}}, h, true, 1 << 20, &why) ==
        H2RequestBuilder::Verdict::Malformed);
  CHECK(why == "malformed Host header");
  CHECK(build({{":method", "GET"}, {":scheme", "http"}, {":path", "/"}, {"host", "a"}, {"host", "b"}}, h, true, 1 << 20,
              &why) == H2RequestBuilder::Verdict::Malformed);
  CHECK(why == "too many Host headers");
  CHECK(build({{":method", "GET"}, {":scheme", "http"}, {":authority", "a"}, {":path", "/x y"}}, h, true, 1 << 20, &why) ==
        H2RequestBuilder::Verdict::Malformed);

  // RFC 7541 §4.1 sizes: each field costs name + value + 32.
  Fields f = kGet;  // 7+3 + 7+4 + 10+11 + 5+6 + 4*32 = 181
  RequestHead ok;
  CHECK(build(f, ok, true, 181) == H2RequestBuilder::Verdict::Ok);
  CHECK(build(f, ok, true, 180) == H2RequestBuilder::Verdict::TooLarge);
}

TEST_CASE("response fields: :status first, names lower-cased, connection-specific ones dropped") {
  ResponseHead r;
  r.status = 204;
  r.headers = {{"Connection", "close"},         {"Keep-Alive", "timeout=5"}, {"Transfer-Encoding", "chunked"},
               {"Upgrade", "h2c"},              {"Proxy-Connection", "x"},   {"X-Mixed-Case", "v"},
               {":path", "/smuggled"},          {"Set-Cookie", "a=1"},       {"set-cookie", "b=2"}};
  auto f = h2_response_fields(r);
  REQUIRE(f.size() == 4);
  CHECK(f[0].name == ":status");
  CHECK(f[0].value == "204");
  CHECK(f[1].name == "x-mixed-case");
  CHECK(f[2].name == "set-cookie");
  CHECK(f[3].value == "b=2");
}
