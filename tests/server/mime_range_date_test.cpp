#include <doctest/doctest.h>

#include <string>

#include "server/http_date.h"
#include "server/mime.h"
#include "server/range.h"

using namespace pogo::server;

TEST_CASE("mime types by extension") {
  struct Case {
    std::string path;
    const char* want;
  };
  const Case cases[] = {
      {"/a/index.html", "text/html; charset=utf-8"},
      {"INDEX.HTM", "text/html; charset=utf-8"},
      {"/x.css", "text/css; charset=utf-8"},
      {"/x.js", "text/javascript; charset=utf-8"},
      {"/x.json", "application/json"},
      {"/x.png", "image/png"},
      {"/x.JPG", "image/jpeg"},
      {"/x.svg", "image/svg+xml"},
      {"/x.woff2", "font/woff2"},
      {"/x.txt", "text/plain; charset=utf-8"},
      {"/x.wasm", "application/wasm"},
      {"/noext", "application/octet-stream"},
      {"/dir.d/noext", "application/octet-stream"},
      {"/x.unknownext", "application/octet-stream"},
      {"/trailing.", "application/octet-stream"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.path);
    CHECK(mime_type_for(c.path) == c.want);
  }
}

TEST_CASE("range parsing") {
  using K = RangeResult::Kind;
  struct Case {
    std::string header;
    uint64_t size;
    K kind;
    uint64_t offset, length;
  };
  const Case cases[] = {
      {"bytes=0-9", 100, K::Partial, 0, 10},
      {"bytes=10-", 100, K::Partial, 10, 90},
      {"bytes=-10", 100, K::Partial, 90, 10},
      {"bytes=-1000", 100, K::Partial, 0, 100},
      {"bytes=90-1000", 100, K::Partial, 90, 10},
      {"bytes=99-99", 100, K::Partial, 99, 1},
      {"bytes=100-", 100, K::Unsatisfiable, 0, 0},
      {"bytes=200-300", 100, K::Unsatisfiable, 0, 0},
      {"bytes=-0", 100, K::Unsatisfiable, 0, 0},
      {"bytes=0-0", 0, K::Unsatisfiable, 0, 0},
      {"bytes=0-1,5-6", 100, K::Full, 0, 0},  // several ranges: the whole body
      {"bytes=0-1,500-600", 100, K::Partial, 0, 2},
      {"bytes=5-1", 100, K::Full, 0, 0},  // malformed: ignored
      {"bytes=a-b", 100, K::Full, 0, 0},
      {"items=0-1", 100, K::Full, 0, 0},
      {"bytes=", 100, K::Full, 0, 0},
      {" bytes=1-2 ", 100, K::Partial, 1, 2},
  };
  for (const auto& c : cases) {
    CAPTURE(c.header);
    RangeResult r = parse_range(c.header, c.size);
    CHECK(r.kind == c.kind);
    if (c.kind == K::Partial) {
      CHECK(r.offset == c.offset);
      CHECK(r.length == c.length);
    }
  }
}

TEST_CASE("http dates format and parse in all three forms") {
  CHECK(format_http_date(784111777) == "Sun, 06 Nov 1994 08:49:37 GMT");
  CHECK(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") == 784111777);
  CHECK(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT") == 784111777);
  CHECK(parse_http_date("Sun Nov  6 08:49:37 1994") == 784111777);
  CHECK(parse_http_date("garbage") == std::nullopt);
  CHECK(parse_http_date("Sun, 06 Xyz 1994 08:49:37 GMT") == std::nullopt);
  CHECK(cached_http_date().size() == 29);
}
