// Header operations and encode: what reaches a response's headers, the Accept-Encoding
// negotiation, and compressors that round-trip.
#include <doctest/doctest.h>
#include <zlib.h>
#include <zstd.h>

#include "server/routes/encode.h"
#include "server/routes/header_ops.h"
#include "tests/support/gunzip.h"

using namespace pogo::server;
using Op = caddyfile::HeaderOp::Op;
using pogo::test::gunzip;

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
}

TEST_CASE("what is worth encoding") {
  std::vector<Header> html = {{"Content-Type", "text/html; charset=UTF-8"}};
  CHECK(should_encode(200, html, std::nullopt, 512));
  CHECK(should_encode(200, html, 600, 512));
  CHECK_FALSE(should_encode(200, html, 100, 512));
  CHECK_FALSE(should_encode(304, html, std::nullopt, 512));
  CHECK_FALSE(should_encode(206, html, std::nullopt, 512));
  std::vector<Header> png = {{"Content-Type", "image/png"}};
  CHECK_FALSE(should_encode(200, png, 5000, 512));
  std::vector<Header> encoded = {{"Content-Type", "text/css"}, {"Content-Encoding", "br"}};
  CHECK_FALSE(should_encode(200, encoded, 5000, 512));
  std::vector<Header> none;
  CHECK_FALSE(should_encode(200, none, 5000, 512));
  for (const char* t : {"application/json", "application/javascript", "image/svg+xml", "text/plain", "font/woff",
                        "application/xml; charset=utf-8"})
    CHECK(compressible_type(t));
  for (const char* t : {"image/jpeg", "application/octet-stream", "video/mp4", "application/zip"})
    CHECK_FALSE(compressible_type(t));

  std::vector<Header> vary = {{"Vary", "Cookie"}};
  add_vary_accept_encoding(vary);
  add_vary_accept_encoding(vary);
  CHECK(get(vary, "Vary") == "Cookie|Accept-Encoding");
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

  auto zs = make_compressor("zstd");
  std::string c = zs->update(text.substr(0, 100));
  c += zs->update(text.substr(100));
  c += zs->finish();
  std::string back(text.size(), '\0');
  size_t n = ZSTD_decompress(back.data(), back.size(), c.data(), c.size());
  REQUIRE_FALSE(ZSTD_isError(n));
  back.resize(n);
  CHECK(back == text);
  CHECK(make_compressor("br") == nullptr);
}
