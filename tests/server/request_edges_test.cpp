// The request parser's edges that llhttp's lenient build or a permissive Host rule would let
// through: the CRLF after each chunk's data (checked wherever the input is split), chunk
// extensions bounded, trailers bounded, and Host validated as Go's net/http (Caddy) does.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "server/chunk_framing.h"
#include "server/host_header.h"
#include "server/request_parser.h"

using namespace pogo::server;

namespace {

struct Collect : RequestParser::BodySink {
  std::string body;
  void on_body(const char* d, size_t n) override { body.append(d, n); }
};

struct Outcome {
  int status = 0;  // the first error's status, 0 when none
  std::string reason;
  int heads = 0, completes = 0;
  std::string body;
};

// Feeds `input` in pieces of `piece` bytes (0: all at once), as a connection would: each feed
// gets what is left of the current piece, and a step that stops early gets the rest again.
Outcome run(const std::string& input, size_t piece = 0, size_t max_header = 1 << 16) {
  RequestParser p(max_header);
  Collect sink;
  p.set_body_sink(&sink);
  Outcome o;
  size_t off = 0;
  size_t step = piece ? piece : input.size();
  for (int guard = 0; guard < 100000 && off < input.size(); ++guard) {
    size_t end = std::min(input.size(), (off / step + 1) * step);
    auto st = p.feed(input.data() + off, end - off);
    off += st.consumed;
    if (st.kind == RequestParser::Step::Error) {
      o.status = st.status;
      o.reason = st.reason;
      break;
    }
    if (st.kind == RequestParser::Step::Head) ++o.heads;
    if (st.kind == RequestParser::Step::Complete) ++o.completes;
  }
  // the pause after the last message: one more empty feed completes a body-less request
  if (o.status == 0) {
    auto st = p.feed("", 0);
    if (st.kind == RequestParser::Step::Complete) ++o.completes;
    if (st.kind == RequestParser::Step::Error) o.status = st.status;
  }
  o.body = sink.body;
  return o;
}

const std::string kChunkedHead = "POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
const std::string kNext = "GET /next HTTP/1.1\r\nHost: h\r\n\r\n";

}  // namespace

TEST_CASE("chunked framing: the CRLF after each chunk's data, at every split of the input") {
  struct Case {
    const char* name;
    std::string body;  // after the head; followed by a pipelined GET
    int status;        // 0: both requests parse
    const char* reason;
  };
  const Case cases[] = {
      {"well formed", "5\r\nhello\r\n3\r\nabc\r\n0\r\n\r\n", 0, ""},
      {"with an extension", "5;name=value\r\nhello\r\n0\r\n\r\n", 0, ""},
      {"with a quoted extension", "5;n=\"v;x\"\r\nhello\r\n0\r\n\r\n", 0, ""},
      {"with trailers", "5\r\nhello\r\n0\r\nX-T: 1\r\n\r\n", 0, ""},
      {"smuggling: XX instead of CRLF", "5\r\nhelloXX0\r\n\r\n", 400, "chunk data not followed by CRLF"},
      {"CRLF missing", "5\r\nhello0\r\n\r\n", 400, "chunk data not followed by CRLF"},
      {"LF only", "5\r\nhello\n0\r\n\r\n", 400, "chunk data not followed by CRLF"},
      {"CR only", "5\r\nhello\r0\r\n\r\n", 400, "chunk data not followed by CRLF"},
      {"swapped", "5\r\nhello\n\r0\r\n\r\n", 400, "chunk data not followed by CRLF"},
      {"one byte too many", "5\r\nhello!\r\n0\r\n\r\n", 400, "chunk data not followed by CRLF"},
      {"second chunk wrong", "1\r\na\r\n2\r\nbcXY0\r\n\r\n", 400, "chunk data not followed by CRLF"},
      {"extension of 4096 bytes", "1;" + std::string(4094, 'e') + "\r\na\r\n0\r\n\r\n", 0, ""},
      {"extension too long", "1;" + std::string(5000, 'e') + "\r\na\r\n0\r\n\r\n", 400, "chunk extensions too long"},
      {"many empty extensions", "1" + std::string(5000, ';') + "\r\na\r\n0\r\n\r\n", 400, ""},
      {"long extension value", "1;n=" + std::string(5000, 'v') + "\r\na\r\n0\r\n\r\n", 400, "chunk extensions too long"},
      {"extension on the last chunk", "1\r\na\r\n0;" + std::string(5000, 'e') + "\r\n\r\n", 400,
       "chunk extensions too long"},
  };
  for (const auto& c : cases) {
    for (size_t piece : {size_t(0), size_t(1), size_t(2), size_t(3), size_t(7), size_t(64)}) {
      CAPTURE(c.name);
      CAPTURE(piece);
      Outcome o = run(kChunkedHead + c.body + kNext, piece);
      CHECK(o.status == c.status);
      if (c.status) {
        if (*c.reason) CHECK(o.reason == c.reason);
        CHECK(o.heads == 1);  // the pipelined request is never reached
        CHECK(o.completes == 0);
      } else {
        CHECK(o.heads == 2);
        CHECK(o.completes == 2);
      }
    }
  }
}

TEST_CASE("chunked framing: the data is delivered exactly, however the input is split") {
  for (size_t piece : {size_t(1), size_t(2), size_t(5), size_t(1000)}) {
    CAPTURE(piece);
    Outcome o = run(kChunkedHead + "3\r\nabc\r\na\r\n0123456789\r\n0\r\n\r\n", piece);
    CHECK(o.status == 0);
    CHECK(o.body == "abc0123456789");
  }
}

TEST_CASE("chunked framing: trailers are bounded like the head") {
  Outcome ok = run(kChunkedHead + "1\r\na\r\n0\r\nX-T: " + std::string(500, 't') + "\r\n\r\n", 0, 1024);
  CHECK(ok.status == 0);
  Outcome big = run(kChunkedHead + "1\r\na\r\n0\r\nX-T: " + std::string(5000, 't') + "\r\n\r\n", 0, 1024);
  CHECK(big.status == 431);
  CHECK(big.reason == "request trailers too large");
}

TEST_CASE("ChunkFraming alone: a CRLF split across inputs is checked on both sides") {
  ChunkFraming f;
  f.begin_body();
  f.chunk_header(3);
  const char first[] = "abc\r";
  f.set_input_end(first + 4);
  CHECK(f.data(first, 3));
  CHECK(f.check_input_start("\n", 1));
  f.chunk_header(1);
  const char second[] = "x";
  f.set_input_end(second + 1);
  CHECK(f.data(second, 1));
  CHECK_FALSE(f.check_input_start("X", 1));
  CHECK(std::string(f.error()) == "chunk data not followed by CRLF");
}

TEST_CASE("Host header: Go's byte set, one Host, required on HTTP/1.1") {
  struct Case {
    std::string head;  // request line and headers, without the final empty line
    int status;
    const char* reason;
  };
  const Case cases[] = {
      {"GET / HTTP/1.1\r\nHost: example.com", 0, ""},
      {"GET / HTTP/1.1\r\nHost: example.com:8080", 0, ""},
      {"GET / HTTP/1.1\r\nHost: 127.0.0.1:80", 0, ""},
      {"GET / HTTP/1.1\r\nHost: [::1]", 0, ""},
      {"GET / HTTP/1.1\r\nHost: [::1]:8080", 0, ""},
      {"GET / HTTP/1.1\r\nHost: [fe80::1%25eth0]:80", 0, ""},
      {"GET / HTTP/1.1\r\nHost: xn--bcher-kva.example", 0, ""},
      {"GET / HTTP/1.1\r\nHost: under_score.example", 0, ""},
      {"GET / HTTP/1.1\r\nHost: a!$&'()*+,;=~.b", 0, ""},
      {"GET / HTTP/1.1\r\nHost:", 0, ""},  // empty: allowed, as Go allows it
      {"GET / HTTP/1.1\r\nHost:   example.com   ", 0, ""},  // surrounding spaces are not the value
      {"GET / HTTP/1.0", 0, ""},  // HTTP/1.0 needs no Host
      {"GET / HTTP/1.0\r\nHost: example.com", 0, ""},
      {"GET / HTTP/1.1\r\nHost: x y<script>", 400, "malformed Host header"},
      {"GET / HTTP/1.1\r\nHost: a b", 400, "malformed Host header"},
      {"GET / HTTP/1.1\r\nHost: <script>", 400, "malformed Host header"},
      {"GET / HTTP/1.1\r\nHost: a\"b", 400, "malformed Host header"},
      {"GET / HTTP/1.1\r\nHost: example.com/path", 400, "malformed Host header"},
      {"GET / HTTP/1.1\r\nHost: user@example.com", 400, "malformed Host header"},
      {"GET / HTTP/1.1\r\nHost: a\\b", 400, "malformed Host header"},
      {"GET / HTTP/1.1\r\nHost: a{b}", 400, "malformed Host header"},
      {"GET / HTTP/1.1\r\nHost: a\tb", 400, "malformed Host header"},
      {"GET / HTTP/1.1\r\nHost: b\xc3\xbc" "cher.example", 400, "malformed Host header"},
      {"GET / HTTP/1.0\r\nHost: x y", 400, "malformed Host header"},
      {"GET / HTTP/1.1", 400, "missing required Host header"},
      {"GET / HTTP/1.1\r\nHost: a\r\nHost: a", 400, "too many Host headers"},
      {"GET / HTTP/1.1\r\nHost: a\r\nhost: b", 400, "too many Host headers"},
      {"GET / HTTP/1.0\r\nHost: a\r\nHost: b", 400, "too many Host headers"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.head);
    Outcome o = run(c.head + "\r\n\r\n");
    CHECK(o.status == c.status);
    if (c.status) CHECK(o.reason == c.reason);
    else CHECK(o.heads == 1);
  }
}

TEST_CASE("valid_host_header: every byte outside the set is refused") {
  const std::string allowed =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=%:[]";
  for (int c = 0; c < 256; ++c) {
    CAPTURE(c);
    std::string host = "a" + std::string(1, char(c)) + "b";
    CHECK(valid_host_header(host) == (allowed.find(char(c)) != std::string::npos && c != 0));
  }
}

TEST_CASE("a control byte or DEL anywhere in the target or a field value is refused; tab and bytes past DEL pass") {
  // Targets and values of every length around the 8-byte words the checks read, the byte at
  // every position. llhttp as built refuses these bytes itself; validate_head() is the backstop
  // (byte_checks_test.cpp tests its checks alone): either way, a 400.
  for (size_t len = 1; len <= 33; ++len) {
    for (size_t at = 0; at < len; ++at) {
      CAPTURE(len);
      CAPTURE(at);
      for (unsigned char bad : {0x00, 0x01, 0x08, 0x0b, 0x1f, 0x7f}) {
        CAPTURE(int(bad));
        std::string target(len, 'a');
        target[at] = char(bad);
        CHECK(run("GET /" + target + " HTTP/1.1\r\nHost: h\r\n\r\n").status == 400);
        std::string value(len, 'v');
        value[at] = char(bad);
        CHECK(run("GET / HTTP/1.1\r\nHost: h\r\nX-V: " + value + "\r\n\r\n").status == 400);
      }
      for (unsigned char good : {0x09, 0x21, 0x7e, 0x80, 0xff}) {
        CAPTURE(int(good));
        std::string value(len, 'v');
        value[at] = char(good);
        if (good == 0x09 && (at == 0 || at == len - 1)) continue;  // at either end it is not the value's
        Outcome o = run("GET / HTTP/1.1\r\nHost: h\r\nX-V: " + value + "\r\n\r\n");
        CHECK(o.status == 0);
        CHECK(o.heads == 1);
      }
    }
  }
}
