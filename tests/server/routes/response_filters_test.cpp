// Header operations and encode: what reaches a response's headers, the Accept-Encoding
// negotiation, and compressors that round-trip.
#include <doctest/doctest.h>
#include <zlib.h>
#include <zstd.h>

#include "server/compress.h"
#include "server/request.h"
#include "server/vulcain_filter.h"
#include "server/routes/header_ops.h"
#include "tests/support/gunzip.h"
#include "tests/support/unbrotli.h"

using namespace pogo::server;
using Op = caddyfile::HeaderOp::Op;
using pogo::test::gunzip;
using pogo::test::Unbrotli;

namespace {

std::shared_ptr<const HeaderOps> ops(std::vector<caddyfile::HeaderOp> list, bool defer = false) {
  auto o = std::make_shared<HeaderOps>();
  o->ops = std::move(list);
  o->finds = compile_header_finds({o->ops, defer});
  o->defer = defer;
  return o;
}

std::string get(const std::vector<Header>& hs, std::string_view name) {
  std::string out;
  for (const auto& h : hs)
    if (header_name_equals(h.name, name)) out += (out.empty() ? "" : "|") + h.value;
  return out;
}

std::vector<Header> html_like() { return {{"Content-Type", "text/html"}}; }

}  // namespace

TEST_CASE("header operations") {
  std::vector<Header> produced = {{"Content-Type", "text/html"}, {"X-Powered-By", "PHP"}, {"Set-Cookie", "a=1"}};
  std::vector<std::shared_ptr<const HeaderOps>> all = {
      ops({{Op::set, "X-Frame-Options", "DENY", ""}, {Op::set, "Content-Type", "text/plain", ""},
           {Op::add, "Set-Cookie", "b=2", ""}}),
      ops({{Op::remove, "X-Powered-*", "", ""}, {Op::set_default, "Cache-Control", "no-store", ""},
           {Op::set_default, "Content-Type", "ignored", ""}, {Op::replace, "Content-Type", "html", "xhtml"}}, true),
  };
  HeaderOps::apply_all(all, produced);
  CHECK(get(produced, "X-Frame-Options") == "DENY");
  CHECK(get(produced, "Content-Type") == "text/xhtml");  // the producer's value wins over an immediate set
  CHECK(get(produced, "Set-Cookie") == "b=2|a=1");
  CHECK(get(produced, "X-Powered-By") == "");
  CHECK(get(produced, "Cache-Control") == "no-store");

  std::vector<Header> d = {{"X-A", "1"}};
  HeaderOps::apply_all({ops({{Op::set, "X-A", "2", ""}}, true)}, d);  // deferred set overrides
  CHECK(get(d, "X-A") == "2");

  std::vector<Header> s;
  HeaderOps::apply_all({ops({{Op::remove, "Server", "", ""}}, true)}, s);
  REQUIRE(s.size() == 1);  // an empty Server header tells the serializer to add none
  CHECK(s[0].value.empty());

  CHECK(header_field_matches("X-*", "x-debug"));
  CHECK(header_field_matches("*-Id", "Request-ID"));
  CHECK_FALSE(header_field_matches("X-*", "Y-Debug"));
}

TEST_CASE("Accept-Encoding negotiation") {
  std::vector<std::string> both = {"zstd", "gzip"};
  struct Case {
    const char* accept;
    const char* chosen;
  } cases[] = {
      {"gzip", "gzip"},
      {"gzip, deflate, br, zstd", "zstd"},  // no preference: the server's order
      {"zstd;q=0.5, gzip", "gzip"},
      {"gzip;q=0, zstd;q=0", ""},
      {"*", "zstd"},
      {"*;q=0.1, gzip;q=0.5", "gzip"},
      {"identity", ""},
      {"", ""},
      {"GZIP", "gzip"},
      {"x-gzip", "gzip"},
      {"br", ""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.accept);
    CHECK(negotiate_encoding(c.accept, both) == c.chosen);
  }
  CHECK(negotiate_encoding("zstd, gzip", {"gzip"}) == "gzip");

  // `encode zstd br gzip`, FrankenPHP's: q-values first, then the directive's order.
  std::vector<std::string> three = {"zstd", "br", "gzip"};
  CHECK(negotiate_encoding("gzip, deflate, br", three) == "br");
  CHECK(negotiate_encoding("gzip, deflate, br, zstd", three) == "zstd");
  CHECK(negotiate_encoding("br;q=0.8, gzip;q=0.9, zstd;q=0.1", three) == "gzip");
  CHECK(negotiate_encoding("br;q=1.0, zstd;q=0.99", three) == "br");
  CHECK(negotiate_encoding("gzip, br", {"gzip", "br"}) == "gzip");  // `encode gzip br`: gzip first
}

TEST_CASE("what is worth encoding") {
  caddyfile::EncodeSpec spec;  // minimum_length 512, Caddy's Content-Types
  std::vector<Header> html = {{"Content-Type", "text/html; charset=UTF-8"}};
  CHECK(should_encode(200, html, std::nullopt, spec));
  CHECK(should_encode(200, html, 600, spec));
  CHECK(should_encode(200, html, 513, spec));
  CHECK_FALSE(should_encode(200, html, 512, spec));  // Caddy: longer than minimum_length
  CHECK_FALSE(should_encode(200, html, 100, spec));
  CHECK_FALSE(should_encode(304, html, std::nullopt, spec));
  CHECK_FALSE(should_encode(206, html, std::nullopt, spec));
  std::vector<Header> png = {{"Content-Type", "image/png"}};
  CHECK_FALSE(should_encode(200, png, 5000, spec));
  std::vector<Header> encoded = {{"Content-Type", "text/css"}, {"Content-Encoding", "br"}};
  CHECK_FALSE(should_encode(200, encoded, 5000, spec));
  std::vector<Header> no_transform = {{"Content-Type", "text/css"}, {"Cache-Control", "public, no-transform"}};
  CHECK_FALSE(should_encode(200, no_transform, 5000, spec));
  std::vector<Header> none;
  CHECK_FALSE(should_encode(200, none, 5000, spec));
  for (const char* t : {"application/json", "application/javascript", "image/svg+xml", "text/plain", "font/ttf",
                        "application/xml; charset=utf-8", "application/x-protobuf", "application/geo+json",
                        "application/vnd.ms-fontobject", "multipart/mixed; boundary=x"})
    CHECK(compressible_type(t));
  // Caddy's list leaves out what is compressed already (woff/woff2 are), and matches case-sensitively.
  for (const char* t : {"image/jpeg", "application/octet-stream", "video/mp4", "application/zip", "font/woff2",
                        "application/problem+json", "TEXT/HTML"})
    CHECK_FALSE(compressible_type(t));

  std::vector<Header> vary = {{"Vary", "Cookie"}};
  add_vary_accept_encoding(vary);
  add_vary_accept_encoding(vary);
  CHECK(get(vary, "Vary") == "Cookie|Accept-Encoding");
}

TEST_CASE("encode's response matcher") {
  caddyfile::ResponseMatcherSpec m;
  m.status_codes = {2, 404};
  m.headers = {{"Content-Type", {"text/*", "*json*"}}, {"X-Compress", {}}, {"!X-No-Compress", {}}};
  std::vector<Header> ok = {{"Content-Type", "application/problem+json"}, {"X-Compress", "1"}};
  CHECK(response_matches(m, 200, ok));
  CHECK(response_matches(m, 204, ok));
  CHECK(response_matches(m, 404, ok));
  CHECK_FALSE(response_matches(m, 301, ok));
  CHECK_FALSE(response_matches(m, 500, ok));
  std::vector<Header> missing = {{"Content-Type", "text/plain"}};
  CHECK_FALSE(response_matches(m, 200, missing));  // X-Compress must exist
  std::vector<Header> refused = {{"Content-Type", "text/plain"}, {"X-Compress", ""}, {"X-No-Compress", "1"}};
  CHECK_FALSE(response_matches(m, 200, refused));
  std::vector<Header> other = {{"Content-Type", "image/png"}, {"X-Compress", "1"}};
  CHECK_FALSE(response_matches(m, 200, other));

  caddyfile::EncodeSpec spec;
  spec.match = caddyfile::ResponseMatcherSpec{{200}, {{"Content-Type", {"image/*"}}}};
  std::vector<Header> bmp = {{"Content-Type", "image/bmp"}};
  CHECK(should_encode(200, bmp, 5000, spec));  // the matcher replaces the default Content-Type list
  CHECK_FALSE(should_encode(201, bmp, 5000, spec));
  CHECK_FALSE(should_encode(200, html_like(), 5000, spec));
  CHECK_FALSE(should_encode(200, bmp, 100, spec));  // still no shorter than minimum_length
  spec.minimum_length = 0;
  CHECK(should_encode(200, bmp, 1, spec));
}

TEST_CASE("compressors stream and round-trip") {
  std::string text;
  for (int i = 0; i < 2000; ++i) text += "line " + std::to_string(i) + "\n";
  auto gz = make_compressor("gzip");
  std::string z = gz->update(text.substr(0, 5000));
  z += gz->update(text.substr(5000));
  z += gz->finish();
  CHECK(z.size() < text.size());
  CHECK(gunzip(z) == text);

  for (const char* level : {"", "fastest", "best"}) {
    caddyfile::EncodeSpec o;
    o.zstd_level = level;
    o.zstd_checksum = std::string(level) != "best";
    auto zs = make_compressor("zstd", o);
    std::string c = zs->update(text.substr(0, 100));
    c += zs->update(text.substr(100));
    c += zs->finish();
    std::string back(text.size(), '\0');
    size_t n = ZSTD_decompress(back.data(), back.size(), c.data(), c.size());
    REQUIRE_FALSE(ZSTD_isError(n));
    back.resize(n);
    CHECK(back == text);
  }
  CHECK(make_compressor("deflate") == nullptr);
}

TEST_CASE("brotli round-trips, at every quality and window") {
  std::string text;
  for (int i = 0; i < 5000; ++i) text += "<li>item " + std::to_string(i % 97) + "</li>\n";
  for (int quality : {-1, 0, 4, 11}) {
    for (int window : {0, 10, 24}) {
      CAPTURE(quality);
      CAPTURE(window);
      caddyfile::EncodeSpec o;
      o.br_quality = quality;
      o.br_window = window;
      auto br = make_compressor("br", o);
      REQUIRE(br);
      std::string c = br->update(text.substr(0, 3000));
      c += br->update(text.substr(3000));
      c += br->finish();
      CHECK(c.size() < text.size() / 4);
      Unbrotli d;
      CHECK(d.feed(c) == text);
      CHECK(d.complete);
    }
  }
  auto empty = make_compressor("br");
  std::string e = empty->finish();
  Unbrotli d;
  CHECK(d.feed(e).empty());
  CHECK(d.complete);
}

TEST_CASE("every update is decodable at once: streamed output is not held back") {
  // What flush() and server-sent events need: each chunk the client receives decodes to all the
  // input given so far, before the stream ends.
  Unbrotli d;
  auto br = make_compressor("br");
  std::string all;
  for (int i = 0; i < 20; ++i) {
    std::string event = "data: event " + std::to_string(i) + "\n\n";
    all += event;
    CHECK(d.feed(br->update(event)) == event);
    CHECK_FALSE(d.complete);
  }
  CHECK(d.feed(br->finish()).empty());
  CHECK(d.complete);

  auto zs = make_compressor("zstd");
  ZSTD_DCtx* dc = ZSTD_createDCtx();
  for (int i = 0; i < 5; ++i) {
    std::string event = "data: " + std::to_string(i) + "\n\n";
    std::string c = zs->update(event);
    ZSTD_inBuffer in{c.data(), c.size(), 0};
    char buf[256];
    ZSTD_outBuffer out{buf, sizeof buf, 0};
    REQUIRE_FALSE(ZSTD_isError(ZSTD_decompressStream(dc, &out, &in)));
    CHECK(std::string(buf, out.pos) == event);
  }
  ZSTD_freeDCtx(dc);
}

TEST_CASE("ResponseFilters::clear() leaves nothing of the last request's filters") {
  ResponseFilters f;
  f.header_ops.push_back(ops({{Op::set, "X-A", "1", ""}}));
  f.encode = std::make_shared<caddyfile::EncodeSpec>();
  f.encoding = "gzip";
  f.access_log = reinterpret_cast<const AccessLog*>(&f);  // any address: never followed here
  f.user_id = "someone";
  f.vulcain = std::make_shared<VulcainRequest>();
  f.intercepts.push_back(nullptr);
  f.base_headers.push_back({"X-Base", "1"});
  f.clear();
  CHECK(f.empty());
  CHECK(f.header_ops.empty());
  CHECK_FALSE(f.encode);
  CHECK(f.encoding.empty());
  CHECK(f.access_log == nullptr);
  CHECK(f.user_id.empty());
  CHECK_FALSE(f.vulcain);
  CHECK(f.intercepts.empty());
  CHECK(f.base_headers.empty());
}
