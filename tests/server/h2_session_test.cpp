// H2Session against a real nghttp2 client session, in memory: requests up to the handler,
// responses down to the client, both flow-control directions, and the connection's defences.
#include <doctest/doctest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <string>

#include "h2_client.h"
#include "server/h2_session.h"

using namespace pogo::server;
using pogo::server::test::converse;
using pogo::server::test::H2Client;

namespace {
// The connection's side: records what the session delivers; `on_head` may answer at once.
struct Recorder : H2Session::Handler {
  H2Session* session = nullptr;
  std::map<int32_t, RequestHead> heads;
  std::map<int32_t, std::string> bodies;
  std::set<int32_t> body_ended;
  std::map<int32_t, uint32_t> closed;
  std::vector<int32_t> writable;
  bool auto_consume = true;
  std::function<void(int32_t, const RequestHead&)> on_head;
  std::function<void(int32_t)> on_end;

  void on_request(int32_t stream, RequestHead head) override {
    heads[stream] = head;
    if (on_head) on_head(stream, heads[stream]);
  }
  void on_body(int32_t stream, const char* data, size_t n) override {
    bodies[stream].append(data, n);
    if (auto_consume) session->consume(stream, n);
  }
  void on_body_end(int32_t stream) override {
    body_ended.insert(stream);
    if (on_end) on_end(stream);
  }
  void on_stream_closed(int32_t stream, uint32_t code) override { closed[stream] = code; }
  void on_writable(int32_t stream) override { writable.push_back(stream); }
};

struct Fixture {
  explicit Fixture(H2Session::Limits limits = {}, H2Client::Options options = {}, bool tls = false,
                   H2Session::Clock clock = nullptr)
      : client(options), server(handler, limits, tls, clock) {
    handler.session = &server;
  }
  // Preface and SETTINGS both ways, acknowledged.
  void handshake() { REQUIRE(converse(client, server)); }
  void respond(int32_t stream, int status, const std::string& body, std::vector<Header> headers = {}) {
    ResponseHead r;
    r.status = status;
    r.headers = std::move(headers);
    server.submit_response(stream, r, body.empty());
    if (!body.empty()) {
      server.submit_data(stream, body);
      server.submit_end(stream);
    }
  }
  Recorder handler;
  H2Client client;
  H2Session server;
};

ResponseHead status(int code) {
  ResponseHead r;
  r.status = code;
  return r;
}

std::string pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = char('a' + (i * 7 + i / 251) % 26);
  return s;
}

// The frames' types in a server's output (a frame is 9 header bytes and its payload).
std::vector<int> frame_types(const std::string& out, size_t skip = 0) {
  std::vector<int> types;
  for (size_t off = skip; off + 9 <= out.size();) {
    size_t len = (size_t(uint8_t(out[off])) << 16) | (size_t(uint8_t(out[off + 1])) << 8) | uint8_t(out[off + 2]);
    types.push_back(uint8_t(out[off + 3]));
    off += 9 + len;
  }
  return types;
}

uint32_t counter_ms = 0;
uint64_t test_clock() { return counter_ms; }
}  // namespace

TEST_CASE("a GET: pseudo-headers to RequestHead, Host from :authority, cookies joined; a response with data") {
  Fixture f({}, {}, /*tls=*/true);
  f.handler.on_head = [&](int32_t id, const RequestHead&) { f.respond(id, 200, "hello", {{"Content-Type", "text/plain"}}); };
  int32_t id = f.client.request({{":method", "GET"},
                                 {":scheme", "https"},
                                 {":authority", "example.com"},
                                 {":path", "/index.php?x=1"},
                                 {"host", "ignored.example"},
                                 {"cookie", "a=1"},
                                 {"accept", "*/*"},
                                 {"cookie", "b=2"}});
  REQUIRE(converse(f.client, f.server));
  REQUIRE(f.handler.heads.count(id));
  const RequestHead& h = f.handler.heads[id];
  CHECK(h.method == "GET");
  CHECK(h.uri == "/index.php?x=1");
  CHECK(h.http_major == 2);
  CHECK(h.http_minor == 0);
  CHECK(h.scheme == "https");
  CHECK_FALSE(h.has_body);
  CHECK(h.joined_header("Host") == "example.com");
  CHECK(h.joined_header("Cookie") == "a=1; b=2");
  CHECK(*h.header("accept") == "*/*");

  auto& r = f.client.streams[id];
  CHECK(r.statuses == std::vector<int>{200});
  CHECK(r.body == "hello");
  CHECK(r.closed);
  CHECK(r.close_code == NGHTTP2_NO_ERROR);
  CHECK(std::count(r.headers.begin(), r.headers.end(), std::pair<std::string, std::string>("content-type", "text/plain")) == 1);
  CHECK(f.handler.closed[id] == NGHTTP2_NO_ERROR);
  CHECK(f.handler.body_ended.empty());  // no body: no on_body_end
  CHECK(f.server.open_streams() == 0);
  CHECK_FALSE(f.server.wants_close());
}

TEST_CASE("a POST body in several DATA frames reaches on_body in order, then on_body_end") {
  Fixture f;
  f.handshake();
  f.handler.on_end = [&](int32_t id) { f.respond(id, 201, "got " + std::to_string(f.handler.bodies[id].size())); };
  std::string body = pattern(50000);
  int32_t id = f.client.request({{":method", "POST"},
                                 {":scheme", "http"},
                                 {":authority", "x"},
                                 {":path", "/up"},
                                 {"content-length", std::to_string(body.size())}},
                                &body, 1000);
  REQUIRE(converse(f.client, f.server));
  const RequestHead& h = f.handler.heads[id];
  CHECK(h.has_body);
  CHECK(h.content_length == body.size());
  CHECK(f.handler.bodies[id] == body);
  CHECK(f.handler.body_ended.count(id));
  CHECK(f.client.streams[id].statuses == std::vector<int>{201});
  CHECK(f.client.streams[id].body == "got 50000");
  CHECK(f.client.streams[id].closed);
}

TEST_CASE("a response ended on its HEADERS, and one ended by submit_end after the data") {
  Fixture f;
  f.handshake();
  int32_t a = f.client.get("/a");
  int32_t b = f.client.get("/b");
  REQUIRE(converse(f.client, f.server));
  f.server.submit_response(a, status(204), true);
  f.server.submit_response(b, status(200), false);
  f.server.submit_data(b, "part1,");
  REQUIRE(converse(f.client, f.server));
  CHECK(f.client.streams[a].headers_end_stream);
  CHECK(f.client.streams[a].closed);
  CHECK(f.client.streams[b].body == "part1,");
  CHECK_FALSE(f.client.streams[b].closed);  // the provider is parked (deferred), not ended
  f.server.submit_data(b, "part2");
  f.server.submit_end(b);
  REQUIRE(converse(f.client, f.server));
  CHECK(f.client.streams[b].body == "part1,part2");
  CHECK(f.client.streams[b].closed);
  CHECK_FALSE(f.client.streams[b].headers_end_stream);
  CHECK(f.handler.closed.size() == 2);
}

TEST_CASE("103 Early Hints, then the 200") {
  Fixture f;
  f.handler.on_head = [&](int32_t id, const RequestHead&) {
    ResponseHead hints = status(103);
    hints.headers = {{"Link", "</style.css>; rel=preload"}};
    f.server.submit_interim(id, hints);
    f.server.submit_interim(id, status(101));  // no meaning in HTTP/2: dropped
    f.respond(id, 200, "body");
    f.server.submit_interim(id, status(103));  // after the response: dropped
  };
  int32_t id = f.client.get("/");
  REQUIRE(converse(f.client, f.server));
  CHECK(f.client.streams[id].statuses == std::vector<int>{103, 200});
  CHECK(f.client.streams[id].body == "body");
}

TEST_CASE("a 1 MiB response through a 16 KiB client window arrives whole, in order, only as the client reopens it") {
  Fixture f({}, {.initial_window = 16384, .manual_window = true});
  f.handshake();
  int32_t id = f.client.get("/big");
  REQUIRE(converse(f.client, f.server));
  std::string big = pattern(1 << 20);
  f.server.submit_response(id, status(200), false);
  f.server.submit_data(id, big);
  f.server.submit_end(id);
  size_t consumed = 0;
  for (int guard = 0; guard < 10000 && !f.client.streams[id].closed; ++guard) {
    REQUIRE(converse(f.client, f.server));
    size_t got = f.client.streams[id].body.size();
    REQUIRE(got <= consumed + 16384);  // never past the window the client opened
    REQUIRE(f.server.buffered(id) == big.size() - got);
    if (got == consumed && !f.client.streams[id].closed) {
      FAIL("no progress");
    }
    f.client.consume(id, got - consumed);
    consumed = got;
  }
  CHECK(f.client.streams[id].closed);
  CHECK(f.client.streams[id].body == big);
  CHECK(f.server.buffered(id) == 0);
  CHECK(f.handler.closed.count(id));
}

TEST_CASE("receive-side backpressure: without consume() the client cannot send past the stream window") {
  Fixture f({.initial_window = 16384});
  f.handler.auto_consume = false;
  f.handshake();
  std::string body = pattern(100000);
  int32_t id = f.client.request({{":method", "PUT"}, {":scheme", "http"}, {":authority", "x"}, {":path", "/"}}, &body);
  REQUIRE(converse(f.client, f.server));
  CHECK(f.handler.bodies[id].size() == 16384);
  REQUIRE(converse(f.client, f.server));
  CHECK(f.handler.bodies[id].size() == 16384);  // still: nothing was consumed
  CHECK_FALSE(f.handler.body_ended.count(id));
  // Consuming half the window lets more in; consuming everything as it comes finishes the body.
  f.server.consume(id, 8192);
  REQUIRE(converse(f.client, f.server));
  CHECK(f.handler.bodies[id].size() == 16384 + 8192);
  f.handler.auto_consume = true;
  f.server.consume(id, 16384);
  REQUIRE(converse(f.client, f.server));
  CHECK(f.handler.bodies[id] == body);
  CHECK(f.handler.body_ended.count(id));
}

TEST_CASE("unconsumed body bytes of a closed stream go back to the connection window") {
  // A connection window of one stream window: if a reset stream kept its bytes, the next
  // upload would starve.
  Fixture f({.initial_window = 65535, .connection_window = 65535});
  f.handler.auto_consume = false;
  f.handshake();
  std::string body = pattern(65535);
  int32_t a = f.client.request({{":method", "POST"}, {":scheme", "http"}, {":authority", "x"}, {":path", "/a"}}, &body);
  REQUIRE(converse(f.client, f.server));
  CHECK(f.handler.bodies[a].size() == 65535);
  f.server.reset(a, NGHTTP2_CANCEL);
  REQUIRE(converse(f.client, f.server));
  CHECK(f.handler.closed[a] == NGHTTP2_CANCEL);
  CHECK(f.client.streams[a].close_code == NGHTTP2_CANCEL);
  int32_t b = f.client.request({{":method", "POST"}, {":scheme", "http"}, {":authority", "x"}, {":path", "/b"}}, &body);
  REQUIRE(converse(f.client, f.server));
  CHECK(f.handler.bodies[b].size() == 65535);
}

TEST_CASE("many concurrent streams, answered out of order with interleaved data") {
  Fixture f;
  f.handshake();
  std::vector<int32_t> ids;
  for (int i = 0; i < 60; ++i) ids.push_back(f.client.get("/s" + std::to_string(i)));
  REQUIRE(converse(f.client, f.server));
  REQUIRE(f.handler.heads.size() == 60);
  std::reverse(ids.begin(), ids.end());
  for (int32_t id : ids) f.server.submit_response(id, status(200), false);
  for (int round = 0; round < 3; ++round)
    for (int32_t id : ids) f.server.submit_data(id, f.handler.heads[id].uri + "#" + std::to_string(round) + ";");
  for (int32_t id : ids) f.server.submit_end(id);
  REQUIRE(converse(f.client, f.server));
  for (int32_t id : ids) {
    const std::string& uri = f.handler.heads[id].uri;
    CHECK(f.client.streams[id].body == uri + "#0;" + uri + "#1;" + uri + "#2;");
    CHECK(f.client.streams[id].closed);
  }
  CHECK(f.server.open_streams() == 0);
}

TEST_CASE("max_concurrent_streams: a stream past the limit is refused with REFUSED_STREAM") {
  Fixture f({.max_concurrent_streams = 2});
  // Sent before the client saw the server's SETTINGS (it assumes 100 until then).
  int32_t a = f.client.get("/1"), b = f.client.get("/2"), c = f.client.get("/3");
  REQUIRE(converse(f.client, f.server));
  CHECK(f.handler.heads.size() == 2);
  CHECK(f.client.streams[c].closed);
  CHECK(f.client.streams[c].close_code == NGHTTP2_REFUSED_STREAM);
  CHECK_FALSE(f.handler.closed.count(c));  // never delivered, so never reported

  // Once it knows, the client waits for a slot: the next request goes out when one frees.
  int32_t d = f.client.get("/4");
  REQUIRE(converse(f.client, f.server));
  CHECK_FALSE(f.handler.heads.count(d));
  f.respond(a, 200, "x");
  REQUIRE(converse(f.client, f.server));
  CHECK(f.handler.heads.count(d));
  CHECK(f.server.open_streams() == 2);
  (void)b;
}

TEST_CASE("a client RST_STREAM mid-response: on_stream_closed with CANCEL, the buffer freed") {
  Fixture f({}, {.initial_window = 1024, .manual_window = true});
  f.handshake();
  int32_t id = f.client.get("/slow");
  REQUIRE(converse(f.client, f.server));
  f.server.submit_response(id, status(200), false);
  f.server.submit_data(id, pattern(100000));
  REQUIRE(converse(f.client, f.server));
  CHECK(f.client.streams[id].body.size() == 1024);
  CHECK(f.server.buffered(id) == 100000 - 1024);
  nghttp2_submit_rst_stream(f.client.session, NGHTTP2_FLAG_NONE, id, NGHTTP2_CANCEL);
  REQUIRE(converse(f.client, f.server));
  CHECK(f.handler.closed[id] == NGHTTP2_CANCEL);
  CHECK(f.server.buffered(id) == 0);
  CHECK(f.server.open_streams() == 0);
  f.server.submit_data(id, "late");  // ignored: the stream is gone
  f.server.submit_end(id);
  std::string out;
  f.server.take_output(out);
  CHECK(out.empty());
}

TEST_CASE("a rapid-reset flood ends the connection with GOAWAY ENHANCE_YOUR_CALM") {
  Fixture f({.max_resets_per_window = 50});
  f.handshake();
  std::string flood;
  for (int i = 0; i < 60; ++i) {
    int32_t id = f.client.get("/r");
    flood += f.client.take();
    nghttp2_submit_rst_stream(f.client.session, NGHTTP2_FLAG_NONE, id, NGHTTP2_CANCEL);
    flood += f.client.take();
  }
  CHECK_FALSE(f.server.receive(flood.data(), flood.size()));
  CHECK(f.server.error().find("rapid reset") != std::string::npos);
  CHECK(f.server.wants_close());
  std::string out;
  f.server.take_output(out);
  f.client.feed(out);
  CHECK(f.client.goaway);
  CHECK(f.client.goaway_code == NGHTTP2_ENHANCE_YOUR_CALM);
  CHECK_FALSE(f.server.receive("x", 1));  // stays failed
}

TEST_CASE("resets under the cap in each window do not end the connection") {
  counter_ms = 5000;
  Fixture f({.max_resets_per_window = 50, .reset_window_ms = 1000}, {}, false, &test_clock);
  f.handshake();
  for (int window = 0; window < 4; ++window) {
    for (int i = 0; i < 50; ++i) {
      int32_t id = f.client.get("/r");
      REQUIRE(converse(f.client, f.server));
      nghttp2_submit_rst_stream(f.client.session, NGHTTP2_FLAG_NONE, id, NGHTTP2_CANCEL);
      REQUIRE(converse(f.client, f.server));
    }
    counter_ms += 1000;
  }
  CHECK_FALSE(f.client.goaway);
  CHECK(f.handler.closed.size() == 200);
}

TEST_CASE("streams the server resets because the client broke them count toward the cap") {
  Fixture f({.max_resets_per_window = 20});
  f.handshake();
  bool ok = true;
  for (int i = 0; i < 30 && ok; ++i) {
    f.client.request({{":method", "CONNECT"}, {":authority", "example.com:443"}});
    ok = converse(f.client, f.server);
  }
  CHECK_FALSE(ok);
  CHECK(f.client.goaway_code == NGHTTP2_ENHANCE_YOUR_CALM);
  CHECK(f.handler.heads.empty());
}

TEST_CASE("a bad preface or a broken frame: receive() is false and a GOAWAY goes out") {
  SUBCASE("HTTP/1 instead of the preface") {
    Recorder r;
    H2Session s(r, {}, false);
    r.session = &s;
    std::string http1 = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    CHECK_FALSE(s.receive(http1.data(), http1.size()));
    CHECK(s.wants_close());
    CHECK_FALSE(s.error().empty());
    std::string out;
    s.take_output(out);
    auto types = frame_types(out);
    CHECK(std::count(types.begin(), types.end(), NGHTTP2_GOAWAY) == 1);
    H2Client c;
    c.feed(out);
    CHECK(c.goaway_code == NGHTTP2_PROTOCOL_ERROR);
  }
  SUBCASE("DATA on stream 0 after a valid preface") {
    Fixture f;
    f.handshake();
    const char data0[] = {0, 0, 1, 0 /*DATA*/, 0, 0, 0, 0, 0 /*stream 0*/, 'x'};
    CHECK_FALSE(f.server.receive(data0, sizeof data0));
    CHECK(f.server.error().find("GOAWAY PROTOCOL_ERROR") != std::string::npos);
    std::string out;
    f.server.take_output(out);
    f.client.feed(out);
    CHECK(f.client.goaway_code == NGHTTP2_PROTOCOL_ERROR);
    CHECK(f.server.wants_close());
  }
}

TEST_CASE("graceful shutdown: GOAWAY names the last stream, a later one is refused, the in-flight one completes") {
  Fixture f;
  f.handshake();
  int32_t a = f.client.get("/inflight");
  REQUIRE(converse(f.client, f.server));
  // A request already on the wire when the server decides to stop.
  int32_t b = f.client.get("/late");
  std::string late = f.client.take();
  f.server.shutdown_graceful();
  REQUIRE(f.server.receive(late.data(), late.size()));
  REQUIRE(converse(f.client, f.server));
  CHECK(f.client.goaway);
  CHECK(f.client.goaway_code == NGHTTP2_NO_ERROR);
  CHECK(f.client.goaway_last_stream == a);
  CHECK_FALSE(f.handler.heads.count(b));
  CHECK_FALSE(f.server.wants_close());  // /inflight is still open
  f.respond(a, 200, "done");
  REQUIRE(converse(f.client, f.server));
  CHECK(f.client.streams[a].body == "done");
  CHECK(f.client.streams[a].closed);
  CHECK(f.server.wants_close());
  CHECK_FALSE(f.server.has_output());
}

TEST_CASE("the client's GOAWAY: wants_close once its streams are done") {
  Fixture f;
  f.handshake();
  int32_t a = f.client.get("/");
  REQUIRE(converse(f.client, f.server));
  nghttp2_submit_goaway(f.client.session, NGHTTP2_FLAG_NONE, 0, NGHTTP2_NO_ERROR, nullptr, 0);
  REQUIRE(converse(f.client, f.server));
  CHECK_FALSE(f.server.wants_close());
  f.respond(a, 200, "bye");
  REQUIRE(converse(f.client, f.server));
  CHECK(f.client.streams[a].body == "bye");
  CHECK(f.server.wants_close());
}

TEST_CASE("a header list past max_header_list_size is answered 431; the connection goes on") {
  Fixture f({.max_header_list_size = 8192});
  f.handler.on_head = [&](int32_t id, const RequestHead&) { f.respond(id, 200, "fine"); };
  H2Client::Fields big = {{":method", "GET"}, {":scheme", "http"}, {":authority", "x"}, {":path", "/"}};
  for (int i = 0; i < 20; ++i) big.push_back({"x-filler-" + std::to_string(i), std::string(1000, 'v')});
  std::string body = "ignored";
  int32_t a = f.client.request(big);
  int32_t b = f.client.request(big, &body);  // with a body: 431, then RST_STREAM(NO_ERROR) stops the upload
  int32_t c = f.client.get("/after");
  REQUIRE(converse(f.client, f.server));
  CHECK(f.client.streams[a].statuses == std::vector<int>{431});
  CHECK(f.client.streams[a].closed);
  CHECK(f.client.streams[b].statuses == std::vector<int>{431});
  CHECK(f.client.streams[b].closed);
  CHECK(f.client.streams[b].close_code == NGHTTP2_NO_ERROR);
  CHECK(f.handler.heads.size() == 1);
  CHECK(f.client.streams[c].body == "fine");
  CHECK_FALSE(f.client.goaway);
  CHECK(f.server.open_streams() == 0);
}

TEST_CASE("header blocks over several CONTINUATION frames: delivered under the limit, 431 past it") {
  Fixture f({.max_header_list_size = 64 << 10}, {.max_send_header_block = 1 << 20});
  f.handler.on_head = [&](int32_t id, const RequestHead&) { f.respond(id, 200, "ok"); };
  f.handshake();
  auto with_cookie = [&](size_t n) {
    return f.client.request({{":method", "GET"}, {":scheme", "http"}, {":authority", "x"}, {":path", "/"},
                             {"cookie", std::string(n, 'c')}});
  };
  int32_t fits = with_cookie(60000);
  int32_t over = with_cookie(100000);  // Huffman-coded under 64 KiB, so the decoder takes it
  REQUIRE(converse(f.client, f.server));
  CHECK(f.handler.heads[fits].header("cookie")->size() == 60000);
  CHECK(f.client.streams[fits].statuses == std::vector<int>{200});
  CHECK(f.client.streams[over].statuses == std::vector<int>{431});
  CHECK(f.server.open_streams() == 0);
}

TEST_CASE("header blocks the decoder will not read end the connection") {
  Fixture f({.max_header_list_size = 64 << 10}, {.max_send_header_block = 1 << 20});
  f.handshake();
  H2Client::Fields fields = {{":method", "GET"}, {":scheme", "http"}, {":authority", "x"}, {":path", "/"}};
  uint32_t code = 0;
  SUBCASE("more CONTINUATION frames than the budget (CVE-2024-28182): 8 here, for 64 KiB") {
    for (int i = 0; i < 300; ++i) fields.push_back({"x-f" + std::to_string(i), std::string(1000, '0' + i % 10)});
    code = NGHTTP2_ENHANCE_YOUR_CALM;
  }
  SUBCASE("one string literal over 64 KiB encoded: nghttp2's HPACK limit") {
    std::string v(200000, '\0');
    for (size_t i = 0; i < v.size(); ++i) v[i] = char(0x21 + i % 90);  // printable, poorly compressible
    fields.push_back({"cookie", v});
    code = NGHTTP2_COMPRESSION_ERROR;
  }
  f.client.request(fields);
  CHECK_FALSE(converse(f.client, f.server));
  CHECK(f.client.goaway);
  CHECK(f.client.goaway_code == code);
  CHECK(f.handler.heads.empty());
  CHECK(f.server.wants_close());
  MESSAGE(f.server.error());
}

TEST_CASE("request trailers end the body; their fields are not kept") {
  Fixture f;
  f.handler.on_end = [&](int32_t id) { f.respond(id, 200, "ok"); };
  f.handshake();
  nghttp2_nv head[] = {{(uint8_t*)":method", (uint8_t*)"POST", 7, 4, NGHTTP2_NV_FLAG_NONE},
                       {(uint8_t*)":scheme", (uint8_t*)"http", 7, 4, NGHTTP2_NV_FLAG_NONE},
                       {(uint8_t*)":authority", (uint8_t*)"x", 10, 1, NGHTTP2_NV_FLAG_NONE},
                       {(uint8_t*)":path", (uint8_t*)"/t", 5, 2, NGHTTP2_NV_FLAG_NONE}};
  nghttp2_nv trailer = {(uint8_t*)"x-checksum", (uint8_t*)"abc", 10, 3, NGHTTP2_NV_FLAG_NONE};
  int32_t id = nghttp2_submit_headers(f.client.session, NGHTTP2_FLAG_NONE, -1, nullptr, head, 4, nullptr);
  REQUIRE(converse(f.client, f.server));
  CHECK(f.handler.heads[id].has_body);
  CHECK_FALSE(f.handler.body_ended.count(id));
  nghttp2_submit_headers(f.client.session, NGHTTP2_FLAG_END_STREAM, id, nullptr, &trailer, 1, nullptr);
  REQUIRE(converse(f.client, f.server));
  CHECK(f.handler.body_ended.count(id));
  CHECK(f.handler.heads[id].header("x-checksum") == nullptr);
  CHECK(f.client.streams[id].body == "ok");
  CHECK(f.handler.closed[id] == NGHTTP2_NO_ERROR);
}

TEST_CASE("connection-specific response fields are stripped and names lower-cased") {
  Fixture f;
  f.handler.on_head = [&](int32_t id, const RequestHead&) {
    f.respond(id, 200, "x",
              {{"Connection", "keep-alive"}, {"Keep-Alive", "timeout=5"}, {"Transfer-Encoding", "chunked"},
               {"Upgrade", "websocket"}, {"Proxy-Connection", "close"}, {"X-Powered-By", "Pogo"}});
  };
  int32_t id = f.client.get("/");
  REQUIRE(converse(f.client, f.server));
  auto& r = f.client.streams[id];
  CHECK(r.statuses == std::vector<int>{200});
  REQUIRE(r.headers.size() == 1);
  CHECK(r.headers[0].first == "x-powered-by");
  CHECK(r.closed);
  CHECK(r.close_code == NGHTTP2_NO_ERROR);
}

TEST_CASE("refused and malformed requests are reset, never delivered") {
  Fixture f;
  f.handshake();
  int32_t connect = f.client.request({{":method", "CONNECT"}, {":authority", "example.com:443"}});
  int32_t upper = f.client.request({{":method", "GET"}, {":scheme", "http"}, {":authority", "x"}, {":path", "/"}, {"X-Upper", "1"}});
  int32_t ctl = f.client.request({{":method", "GET"}, {":scheme", "http"}, {":authority", "x"}, {":path", "/"}, {"x-v", "a\nb"}});
  int32_t bad_host = f.client.request({{":method", "GET"}, {":scheme", "http"}, {":path", "/"}, {"host", "a/b"}});
  int32_t no_path = f.client.request({{":method", "GET"}, {":scheme", "http"}, {":authority", "x"}});
  int32_t good = f.client.get("/ok");
  REQUIRE(converse(f.client, f.server));
  CHECK(f.client.streams[connect].close_code == NGHTTP2_REFUSED_STREAM);
  CHECK(f.client.streams[upper].close_code == NGHTTP2_PROTOCOL_ERROR);
  CHECK(f.client.streams[ctl].close_code == NGHTTP2_PROTOCOL_ERROR);
  CHECK(f.client.streams[bad_host].close_code == NGHTTP2_PROTOCOL_ERROR);
  CHECK(f.client.streams[no_path].close_code == NGHTTP2_PROTOCOL_ERROR);
  REQUIRE(f.handler.heads.size() == 1);
  CHECK(f.handler.heads.count(good));
  CHECK(f.handler.closed.empty());
  CHECK(f.server.open_streams() == 1);
  CHECK_FALSE(f.client.goaway);
}

TEST_CASE("a body longer than content-length: stream reset PROTOCOL_ERROR, no on_body_end") {
  Fixture f;
  f.handshake();
  std::string body = "0123456789";
  int32_t id = f.client.request(
      {{":method", "POST"}, {":scheme", "http"}, {":authority", "x"}, {":path", "/"}, {"content-length", "4"}}, &body);
  REQUIRE(converse(f.client, f.server));
  CHECK(f.handler.heads.count(id));
  CHECK_FALSE(f.handler.body_ended.count(id));
  CHECK(f.handler.closed[id] == NGHTTP2_PROTOCOL_ERROR);
  CHECK(f.client.streams[id].close_code == NGHTTP2_PROTOCOL_ERROR);
}

TEST_CASE("a response that ends before the upload does stops it with RST_STREAM(NO_ERROR)") {
  Fixture f;
  f.handler.on_head = [&](int32_t id, const RequestHead&) { f.respond(id, 413, "too big"); };
  f.handshake();
  std::string body = pattern(200000);
  int32_t id = f.client.request({{":method", "POST"}, {":scheme", "http"}, {":authority", "x"}, {":path", "/"}}, &body);
  REQUIRE(converse(f.client, f.server));
  CHECK(f.client.streams[id].statuses == std::vector<int>{413});
  CHECK(f.client.streams[id].body == "too big");
  CHECK(f.client.streams[id].closed);
  CHECK(f.client.streams[id].close_code == NGHTTP2_NO_ERROR);
  CHECK(f.handler.closed[id] == NGHTTP2_NO_ERROR);
  CHECK(f.server.open_streams() == 0);
}

TEST_CASE("on_writable fires once the buffer drops below the low-water mark") {
  Fixture f({.low_water = 32 << 10}, {.initial_window = 16384, .manual_window = true});
  f.handshake();
  int32_t id = f.client.get("/");
  REQUIRE(converse(f.client, f.server));
  f.server.submit_response(id, status(200), false);
  f.server.submit_data(id, pattern(64 << 10));
  REQUIRE(converse(f.client, f.server));
  CHECK(f.handler.writable.empty());  // 48 KiB still buffered
  size_t consumed = 0;
  for (int i = 0; i < 10 && f.handler.writable.empty(); ++i) {
    size_t got = f.client.streams[id].body.size();
    f.client.consume(id, got - consumed);
    consumed = got;
    REQUIRE(converse(f.client, f.server));
  }
  CHECK(f.handler.writable == std::vector<int32_t>{id});
  CHECK(f.server.buffered(id) < (32u << 10));
}

TEST_CASE("the server's SETTINGS: limits announced, no extended CONNECT") {
  Fixture f({.max_concurrent_streams = 7, .max_header_list_size = 12345, .initial_window = 54321});
  f.handshake();
  CHECK(nghttp2_session_get_remote_settings(f.client.session, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS) == 7);
  CHECK(nghttp2_session_get_remote_settings(f.client.session, NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE) == 12345);
  CHECK(nghttp2_session_get_remote_settings(f.client.session, NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE) == 54321);
  CHECK(nghttp2_session_get_remote_settings(f.client.session, NGHTTP2_SETTINGS_ENABLE_CONNECT_PROTOCOL) == 0);
  CHECK(nghttp2_session_get_remote_window_size(f.client.session) == (4 << 20));
}
