// Protocol behaviour of a real Server: keep-alive, pipelining, bodies, 100-continue, HEAD,
// HTTP/1.0, interim responses, streaming, and malformed requests.
#include <doctest/doctest.h>

#include <ctime>

#include "test_client.h"
#include "test_server.h"

namespace {
size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}
}  // namespace

TEST_CASE("a script request reaches the backend with its CGI fields") {
  TestServer t;
  auto r = curl_get(t.url("/echo.php/more/info?x=1"));
  CHECK(r.status == 200);
  CHECK(r.body.find("method=GET") != std::string::npos);
  CHECK(r.body.find("info=/more/info") != std::string::npos);
  CHECK(r.body.find("query=x=1") != std::string::npos);
  CHECK(r.body.find("script=" + t.root + "/echo.php") != std::string::npos);
  CHECK(r.body.find("remote=127.0.0.1") != std::string::npos);
  CHECK(r.header("Server") == "Pogo");
  CHECK(!r.header("Date").empty());
  CHECK(r.header("Transfer-Encoding") == "chunked");
  // front controller
  auto idx = curl_get(t.url("/some/route"));
  CHECK(idx.status == 200);
  CHECK(idx.body == "index");
}

TEST_CASE("keep-alive reuses one connection") {
  TestServer t;
  CurlClient c;
  long connects = 0;
  for (int i = 0; i < 5; ++i) {
    auto r = c.perform(t.url(i % 2 ? "/style.css" : "/length.php"));
    CHECK(r.status == 200);
    connects += r.connects;
  }
  CHECK(connects == 1);
}

TEST_CASE("pipelined requests are answered in order") {
  TestServer t;
  auto r = raw_roundtrip(t.port,
                         "GET /echo.php?q=first HTTP/1.1\r\nHost: x\r\n\r\n"
                         "GET /style.css HTTP/1.1\r\nHost: x\r\n\r\n"
                         "GET /echo.php?q=third HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK(r.closed);
  CHECK(count(r.data, "HTTP/1.1 200 OK") == 3);
  auto a = r.data.find("query=q=first"), b = r.data.find("color: red"), c = r.data.find("query=q=third");
  REQUIRE(a != std::string::npos);
  REQUIRE(b != std::string::npos);
  REQUIRE(c != std::string::npos);
  CHECK(a < b);
  CHECK(b < c);
}

TEST_CASE("request bodies: content-length and chunked uploads") {
  TestServer t;
  std::string body(300000, 'b');
  CurlOptions o;
  o.method = "POST";
  o.body = body;
  auto r = curl_get(t.url("/echo.php"), o);
  CHECK(r.status == 200);
  CHECK(r.body.find("body=300000") != std::string::npos);
  CHECK(r.header("X-Body-Complete") == "1");

  CurlOptions c;
  c.method = "PUT";
  c.body = std::string(3 << 20, 'c');  // bigger than the exchange's body pipe
  c.chunked_upload = true;
  auto rc = curl_get(t.url("/echo.php"), c);
  CHECK(rc.status == 200);
  CHECK(rc.body.find("method=PUT") != std::string::npos);
  CHECK(rc.body.find("body=" + std::to_string(3 << 20)) != std::string::npos);
}

TEST_CASE("Expect: 100-continue gets an interim response before the body is sent") {
  TestServer t;
  RawClient c(t.port);
  c.send("POST /echo.php HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
  auto interim = c.read_until([](const std::string& d) { return d.find("\r\n\r\n") != std::string::npos; });
  CHECK(interim.data.starts_with("HTTP/1.1 100 Continue\r\n\r\n"));
  c.send("hello");
  auto rest = c.read_until([](const std::string& d) { return d.find("body=5") != std::string::npos; });
  CHECK(rest.data.find("HTTP/1.1 200 OK") != std::string::npos);
  CHECK(rest.data.find("body=5") != std::string::npos);
}

TEST_CASE("HEAD has the headers but no body") {
  TestServer t;
  CurlOptions head;
  head.nobody = true;
  auto r = curl_get(t.url("/length.php"), head);
  CHECK(r.status == 200);
  CHECK(r.header("Content-Length") == "5");
  CHECK(r.body.empty());
  auto s = curl_get(t.url("/big.bin"), head);
  CHECK(s.header("Content-Length") == std::to_string(3 << 20));
  // On the wire: nothing after the blank line, and no chunked framing for an unknown length.
  auto raw = raw_roundtrip(t.port, "HEAD /stream.php HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK(raw.closed);
  CHECK(raw.data.ends_with("\r\n\r\n"));
  CHECK(raw.data.find("Transfer-Encoding") == std::string::npos);
  auto raw2 = raw_roundtrip(t.port, "HEAD /style.css HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK(raw2.data.ends_with("\r\n\r\n"));
  CHECK(raw2.data.find("Content-Length: 21") != std::string::npos);
}

TEST_CASE("HTTP/1.0: close-delimited unless keep-alive") {
  TestServer t;
  auto r = raw_roundtrip(t.port, "GET /stream.php HTTP/1.0\r\n\r\n");
  CHECK(r.closed);
  CHECK(r.data.find("Connection: close") != std::string::npos);
  CHECK(r.data.ends_with("\r\n\r\nfirstsecond"));
  RawClient c(t.port);
  c.send("GET /length.php HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  auto first = c.read_until([](const std::string& d) { return d.ends_with("hello"); });
  CHECK(first.data.find("Connection: keep-alive") != std::string::npos);
  CHECK_FALSE(first.closed);
  c.send("GET /length.php HTTP/1.0\r\n\r\n");
  auto second = c.read_to_eof();
  CHECK(second.closed);
  CHECK(second.data.ends_with("hello"));
}

TEST_CASE("interim 103 Early Hints are written before the final response") {
  TestServer t;
  auto r = raw_roundtrip(t.port, "GET /early.php HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  auto hints = r.data.find("HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n");
  auto final_ = r.data.find("HTTP/1.1 200 OK");
  CHECK(hints == 0);
  CHECK(final_ != std::string::npos);
  CHECK(r.data.find("after hints") != std::string::npos);
}

TEST_CASE("streamed and large responses") {
  TestServer t;
  auto s = curl_get(t.url("/stream.php"));
  CHECK(s.body == "firstsecond");
  auto big = curl_get(t.url("/big.php"));
  CHECK(big.status == 200);
  CHECK(big.body.size() == size_t(20) * (1 << 20));
  CHECK(big.body.find_first_not_of('z') == std::string::npos);
}

TEST_CASE("a client that goes away aborts the exchange") {
  TestServer t;
  {
    RawClient c(t.port);
    c.send("GET /forever.php HTTP/1.1\r\nHost: x\r\n\r\n");
    c.read_until([](const std::string& d) { return d.size() > 100000; });
  }
  CHECK(wait_for([&] { return t.backend.aborted.load() == 1; }));
}

TEST_CASE("malformed requests get 400 with Connection: close, then the connection closes") {
  TestServer t;
  const std::pair<const char*, std::string> cases[] = {
      {"garbage", "HELLO WORLD\r\n\r\n"},
      {"CL and TE", "POST /echo.php HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
      {"invalid CL", "POST /echo.php HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n"},
      {"negative CL", "POST /echo.php HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n"},
      {"NUL in path", std::string("GET /a\0b HTTP/1.1\r\nHost: x\r\n\r\n", 31)},
      {"encoded NUL", "GET /style.css%00.txt HTTP/1.1\r\nHost: x\r\n\r\n"},
      {"control char", "GET /a\x7f HTTP/1.1\r\nHost: x\r\n\r\n"},
      {"bad chunk", "POST /echo.php HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\nabc\r\n"},
      {"bad escape", "GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n"},
      {"missing host", "GET / HTTP/1.1\r\n\r\n"},
      {"bad header", "GET / HTTP/1.1\r\nHost: x\r\nNo Colon Here\r\n\r\n"},
  };
  for (const auto& [name, req] : cases) {
    CAPTURE(std::string(name));
    auto r = raw_roundtrip(t.port, req);
    CHECK(r.data.starts_with("HTTP/1.1 400 Bad Request\r\n"));
    CHECK(r.data.find("Connection: close") != std::string::npos);
    CHECK(r.closed);
  }
  // The server still serves others afterwards.
  CHECK(curl_get(t.url("/style.css")).status == 200);
}

TEST_CASE("php_server redirects a directory with index.php to its slash form") {
  TestServer t;
  auto r = raw_roundtrip(t.port, "GET /app?x=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK(r.data.starts_with("HTTP/1.1 308 Permanent Redirect\r\n"));
  CHECK(r.data.find("Location: /app/?x=1\r\n") != std::string::npos);
  auto a = curl_get(t.url("/app/"));
  CHECK(a.body == "index");
}

TEST_CASE("a slow client does not hold the producer: the response waits in the spool") {
  TestServer t;
  RawClient c(t.port);
  c.send("GET /big.php HTTP/1.1\r\nHost: x\r\n\r\n");
  // Read nothing more: the producer still gets all of its 20 MiB accepted and ends.
  REQUIRE(wait_for([&] { return t.backend.finished.load() == 1; }, std::chrono::seconds(20)));
  CHECK(t.backend.big_produced.load() == size_t(20) << 20);
  CHECK(t.backend.aborted.load() == 0);
  // Then everything still arrives, from memory and the spool file, in order.
  size_t total = 0;
  auto r = c.read_until([&](const std::string& d) { return d.find("\r\n0\r\n\r\n") != std::string::npos; },
                        std::chrono::seconds(30));
  total = r.data.size();
  CHECK(total > size_t(20) << 20);
  CHECK(wait_for([&] { return t.backend.finished.load() == 1; }));
}

TEST_CASE("the RequestHead handed to the backend is complete") {
  TestServer t;
  CurlOptions o;
  o.method = "POST";
  o.body = "abc";
  o.headers = {"X-Multi: 1", "X-Multi: 2"};
  auto before = double(std::time(nullptr));
  auto r = curl_get(t.url("/head.php/p%20i?a=%20b"), o);
  CHECK(r.body == "ok");
  auto h = t.backend.last_head();
  CHECK(h.method == "POST");
  CHECK(h.uri == "/head.php/p%20i?a=%20b");
  CHECK(h.path == "/head.php/p i");
  CHECK(h.query == "a=%20b");
  CHECK(h.document_root == t.root);
  CHECK(h.script_filename == t.root + "/head.php");
  CHECK(h.script_name == "/head.php");
  CHECK(h.path_info == "/p i");
  CHECK(h.remote_addr == "127.0.0.1");
  CHECK(h.remote_port != 0);
  CHECK(h.local_addr == "127.0.0.1");
  CHECK(h.local_port == t.port);
  CHECK(h.scheme == "http");
  CHECK(h.content_length == 3u);
  CHECK(h.has_body);
  CHECK(h.request_time >= before - 1);
  CHECK(h.joined_header("X-Multi") == "1, 2");
  CHECK(h.http_major == 1);
  CHECK(h.http_minor == 1);
  REQUIRE(h.env.size() == 1);
  CHECK(h.env[0].first == "APP_ENV");
}

TEST_CASE("a response shorter than its Content-Length ends the connection") {
  TestServer t;
  RawClient c(t.port);
  c.send("GET /short.php HTTP/1.1\r\nHost: x\r\n\r\n");
  auto r = c.read_to_eof();
  CHECK(r.closed);
  CHECK(r.data.find("Content-Length: 10") != std::string::npos);
  CHECK(r.data.ends_with("\r\n\r\n12345"));
}
