#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "server/header_edit.h"
#include "server/http_date.h"
#include "server/response_writer.h"

using namespace pogo::server;

namespace {
// The head with the Date line removed (it changes every second).
std::string without_date(const std::string& s) {
  auto p = s.find("Date: ");
  if (p == std::string::npos) return s;
  auto e = s.find("\r\n", p);
  return s.substr(0, p) + s.substr(e + 2);
}
}  // namespace

TEST_CASE("response head serialization and framing") {
  struct Case {
    std::string name;
    ResponseHead head;
    RequestFacts req;
    std::optional<uint64_t> known;
    Framing::Mode mode;
    bool keep_alive;
    const char* want;
  };
  RequestFacts get11{false, 1, 1, true}, head11{true, 1, 1, true}, get10{false, 1, 0, false},
      get10ka{false, 1, 0, true}, get11close{false, 1, 1, false};
  const Case cases[] = {
      {"producer length", {200, {{"Content-Length", "5"}, {"X-A", "b"}}}, get11, {}, Framing::Length, true,
       "HTTP/1.1 200 OK\r\nX-A: b\r\nServer: Pogo\r\nContent-Length: 5\r\n\r\n"},
      {"chunked when unknown", {200, {}}, get11, {}, Framing::Chunked, true,
       "HTTP/1.1 200 OK\r\nServer: Pogo\r\nTransfer-Encoding: chunked\r\n\r\n"},
      {"HTTP/1.0 close-delimited", {200, {}}, get10, {}, Framing::UntilClose, false,
       "HTTP/1.1 200 OK\r\nServer: Pogo\r\nConnection: close\r\n\r\n"},
      {"HTTP/1.0 keep-alive with length", {200, {}}, get10ka, 3, Framing::Length, true,
       "HTTP/1.1 200 OK\r\nServer: Pogo\r\nContent-Length: 3\r\nConnection: keep-alive\r\n\r\n"},
      {"HTTP/1.0 keep-alive without length closes", {200, {}}, get10ka, {}, Framing::UntilClose, false,
       "HTTP/1.1 200 OK\r\nServer: Pogo\r\nConnection: close\r\n\r\n"},
      {"HEAD keeps the length, no body", {200, {{"Content-Length", "42"}}}, head11, {}, Framing::None, true,
       "HTTP/1.1 200 OK\r\nServer: Pogo\r\nContent-Length: 42\r\n\r\n"},
      {"HEAD without length: no chunked", {200, {}}, head11, {}, Framing::None, true,
       "HTTP/1.1 200 OK\r\nServer: Pogo\r\n\r\n"},
      {"204 never has a body", {204, {{"Content-Length", "9"}}}, get11, {}, Framing::None, true,
       "HTTP/1.1 204 No Content\r\nServer: Pogo\r\n\r\n"},
      {"304 keeps the validators", {304, {{"Etag", "\"x\""}}}, get11, {}, Framing::None, true,
       "HTTP/1.1 304 Not Modified\r\nEtag: \"x\"\r\nServer: Pogo\r\n\r\n"},
      {"producer Server kept, TE dropped", {200, {{"Server", "X"}, {"Transfer-Encoding", "gzip"}}}, get11, 0,
       Framing::Length, true, "HTTP/1.1 200 OK\r\nServer: X\r\nContent-Length: 0\r\n\r\n"},
      {"Connection: close from the producer", {200, {{"Connection", "close"}}}, get11, 1, Framing::Length, false,
       "HTTP/1.1 200 OK\r\nServer: Pogo\r\nContent-Length: 1\r\nConnection: close\r\n\r\n"},
      {"client asked to close", {404, {}}, get11close, 0, Framing::Length, false,
       "HTTP/1.1 404 Not Found\r\nServer: Pogo\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"},
      {"header injection dropped", {200, {{"X-Bad", "a\r\nSet-Cookie: x"}, {"Bad Name", "v"}, {"X-Ok", "v"}}}, get11, 0,
       Framing::Length, true, "HTTP/1.1 200 OK\r\nX-Ok: v\r\nServer: Pogo\r\nContent-Length: 0\r\n\r\n"},
      {"invalid producer length ignored", {200, {{"Content-Length", "abc"}}}, get11, {}, Framing::Chunked, true,
       "HTTP/1.1 200 OK\r\nServer: Pogo\r\nTransfer-Encoding: chunked\r\n\r\n"},
      {"repeated headers kept", {200, {{"Set-Cookie", "a=1"}, {"Set-Cookie", "b=2"}}}, get11, 0, Framing::Length, true,
       "HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nServer: Pogo\r\nContent-Length: 0\r\n\r\n"},
      {"unknown status reason", {299, {}}, get11, 0, Framing::Length, true,
       "HTTP/1.1 299 Success\r\nServer: Pogo\r\nContent-Length: 0\r\n\r\n"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    std::string out;
    Framing f = serialize_response_head(out, c.head, c.req, c.known);
    CHECK(out.find("Date: ") != std::string::npos);
    CHECK(without_date(out) == c.want);
    CHECK(f.mode == c.mode);
    CHECK(f.keep_alive == c.keep_alive);
  }
}

TEST_CASE("interim responses and chunk headers") {
  std::string out;
  serialize_interim(out, ResponseHead{103, {{"Link", "</a.css>; rel=preload"}}});
  CHECK(out == "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n");
  out.clear();
  append_chunk_header(out, 255);
  CHECK(out == "ff\r\n");
}

TEST_CASE("a field value holding CR, LF or NUL anywhere is dropped; every other byte passes") {
  // Values of every length around the 8-byte steps the check takes, with the bad byte at every
  // position, and values of every other byte (tab, 0x0B, 0x0C, 0x0E.., 0x7F, 0x80..0xFF).
  RequestFacts get11{false, 1, 1, true};
  for (char bad : {'\r', '\n', '\0'}) {
    for (size_t len = 1; len <= 33; ++len) {
      for (size_t at = 0; at < len; ++at) {
        std::string v(len, 'a');
        v[at] = bad;
        std::string out;
        serialize_response_head(out, ResponseHead{200, {{"X-V", v}, {"X-Ok", "1"}}}, get11, 0);
        CAPTURE(len);
        CAPTURE(at);
        CHECK(out.find("X-V") == std::string::npos);
        CHECK(out.find("X-Ok: 1\r\n") != std::string::npos);
      }
    }
  }
  std::string all;
  for (int c = 1; c < 256; ++c)
    if (c != '\r' && c != '\n') all += char(c);
  for (size_t len = 0; len <= all.size(); len += 7) {
    std::string v = all.substr(all.size() - len);
    std::string out;
    serialize_response_head(out, ResponseHead{200, {{"X-V", v}}}, get11, 0);
    CAPTURE(len);
    CHECK(out.find("X-V: " + v + "\r\n") != std::string::npos);
  }
}

TEST_CASE("a whole head byte for byte: the producer's Date kept (never a second one), its order, the framing") {
  // An upstream's head as a proxy passes it on: its Date and Server stand, nothing is added but
  // the framing; Connection and Transfer-Encoding are the server's own to write.
  const ResponseHead upstream{200,
                              {{"Server", "nginx"},
                               {"Date", "Wed, 02 Dec 2026 13:18:33 GMT"},
                               {"Content-Type", "text/plain"},
                               {"Content-Length", "1024"},
                               {"Connection", "keep-alive"},
                               {"ETag", "\"6b0fe4e3-400\""},
                               {"Accept-Ranges", "bytes"}}};
  const std::string fields =
      "Server: nginx\r\nDate: Wed, 02 Dec 2026 13:18:33 GMT\r\nContent-Type: text/plain\r\n"
      "ETag: \"6b0fe4e3-400\"\r\nAccept-Ranges: bytes\r\n";
  struct Case {
    const char* name;
    int status;
    RequestFacts req;
    std::optional<uint64_t> known;
    bool drop_length;  // the producer's Content-Length removed (an encoded body's)
    const char* tail;  // after the fields
  };
  const Case cases[] = {
      {"GET", 200, {false, 1, 1, true}, 1024, false, "Content-Length: 1024\r\n\r\n"},
      {"GET, the length the producer gave", 200, {false, 1, 1, true}, {}, false, "Content-Length: 1024\r\n\r\n"},
      {"HEAD keeps the length", 200, {true, 1, 1, true}, 1024, false, "Content-Length: 1024\r\n\r\n"},
      {"HEAD without a length", 200, {true, 1, 1, true}, {}, true, "\r\n"},
      {"chunked without a length", 200, {false, 1, 1, true}, {}, true, "Transfer-Encoding: chunked\r\n\r\n"},
      {"chunked, then closing", 200, {false, 1, 1, false}, {}, true,
       "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"},
      {"HTTP/1.0 keep-alive", 200, {false, 1, 0, true}, 1024, false,
       "Content-Length: 1024\r\nConnection: keep-alive\r\n\r\n"},
      {"204: no length, no body", 204, {false, 1, 1, true}, {}, false, "\r\n"},
      {"304 keeps the length the 200 would have", 304, {false, 1, 1, true}, {}, false,
       "Content-Length: 1024\r\n\r\n"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    ResponseHead h = upstream;
    h.status = c.status;
    if (c.drop_length) std::erase_if(h.headers, [](const Header& f) { return f.name == "Content-Length"; });
    std::string out = "HTTP/1.1 100 Continue\r\n\r\n";  // already queued: the head goes after it
    serialize_response_head(out, h, c.req, c.known);
    CHECK(out == "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 " + std::to_string(c.status) + " " +
                     std::string(reason_phrase(c.status)) + "\r\n" + fields + c.tail);
  }
}

TEST_CASE("a whole head byte for byte after header_down's edits") {
  ResponseHead h{200, {{"Server", "nginx"}, {"Date", "Wed, 02 Dec 2026 13:18:33 GMT"}, {"X-Powered-By", "PHP"},
                       {"Content-Length", "5"}}};
  HeaderOps ops;
  using Op = caddyfile::HeaderOp::Op;
  ops.ops = {{Op::remove, "X-Powered-By", "", ""},
             {Op::remove, "Date", "", ""},  // then the server's own Date comes
             {Op::set, "Server", "", ""},   // empty: no Server at all
             {Op::add, "X-Long-Enough-To-Take-Two-Words", "a value past sixteen bytes", ""}};
  ops.apply_to_request(h.headers);
  std::string out;
  serialize_response_head(out, h, RequestFacts{false, 1, 1, true}, std::nullopt);
  const std::string date(cached_http_date());
  CHECK(out == "HTTP/1.1 200 OK\r\nX-Long-Enough-To-Take-Two-Words: a value past sixteen bytes\r\nDate: " + date +
                   "\r\nContent-Length: 5\r\n\r\n");
}

TEST_CASE("a field name holding a control, space, ':', DEL or a byte past it anywhere is dropped") {
  RequestFacts get11{false, 1, 1, true};
  for (unsigned char bad : {0x00, 0x01, 0x09, 0x0d, 0x1f, 0x20, 0x3a, 0x7f, 0x80, 0xff}) {
    for (size_t len = 1; len <= 33; ++len) {
      for (size_t at = 0; at < len; ++at) {
        std::string name(len, 'n');
        name[at] = char(bad);
        std::string out;
        serialize_response_head(out, ResponseHead{200, {{name, "v"}, {"X-Ok", "1"}}}, get11, 0);
        CAPTURE(int(bad));
        CAPTURE(len);
        CAPTURE(at);
        CHECK(out.find("\n" + name + ": v\r\n") == std::string::npos);
        CHECK(out.find("\r\nX-Ok: 1\r\n") != std::string::npos);
      }
    }
  }
  // Every token byte passes, in names of every length.
  const std::string token = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ;<=>?@[]{}\\\"(),/";
  for (size_t len = 1; len <= token.size(); ++len) {
    std::string name = token.substr(token.size() - len);
    std::string out;
    serialize_response_head(out, ResponseHead{200, {{name, "v"}}}, get11, 0);
    CAPTURE(name);
    CHECK(out.find("\r\n" + name + ": v\r\n") != std::string::npos);
  }
}

TEST_CASE("an interim head is written as it is, after what is queued") {
  std::string out = "queued";
  serialize_interim(out, ResponseHead{103, {{"Link", "</a.css>; rel=preload"}, {"Bad\r\nName", "x"}, {"Link", "</b.js>"}}});
  CHECK(out == "queuedHTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\nLink: </b.js>\r\n\r\n");
}
