// The placeholder replacer, as one table: short and long names, request parts, routing variables,
// unknown placeholders kept, escaped braces.
#include <doctest/doctest.h>

#include <cstdlib>

#include "server/routes/placeholders.h"

using namespace pogo::server;

TEST_CASE("placeholders resolve per request") {
  ::setenv("POGO_PH_TEST", "from-env", 1);
  RequestHead h;
  h.method = "POST";
  h.uri = "/orig/path.php?a=1";
  h.path = "/blog/post/file.txt";
  h.query = "a=1&name=J%C3%BCrgen+X&empty=";
  h.scheme = "http";
  h.remote_addr = "10.1.2.3";
  h.remote_port = 5555;
  h.local_port = 8080;
  h.headers = {{"Host", "shop.example.com:8443"}, {"User-Agent", "curl"}, {"X-Multi", "a"}, {"X-Multi", "b"},
               {"Cookie", "sid=abc; theme=dark"}};
  Request r(h);
  r.original_path = "/orig/path.php";
  r.root = "/srv/www";
  r.vars["http.regexp.api.1"] = "users";
  r.file_match.set = true;
  r.file_match.relative = "/index.php";
  r.file_match.absolute = "/srv/www/index.php";
  r.file_match.remainder = "/rest";

  struct Case {
    const char* in;
    const char* out;
  } cases[] = {
      {"{path}", "/blog/post/file.txt"},
      {"{http.request.uri.path}", "/blog/post/file.txt"},
      {"{dir}", "/blog/post/"},
      {"{file}", "file.txt"},
      {"{query}", "a=1&name=J%C3%BCrgen+X&empty="},
      {"{uri}", "/blog/post/file.txt?a=1&name=J%C3%BCrgen+X&empty="},
      {"{method}", "POST"},
      {"{scheme}", "http"},
      {"{host}", "shop.example.com"},
      {"{hostport}", "shop.example.com:8443"},
      {"{port}", "8443"},
      {"{remote_host}", "10.1.2.3"},
      {"{remote_port}", "5555"},
      {"{remote}", "10.1.2.3:5555"},
      {"{header.User-Agent}", "curl"},
      {"{http.request.header.user-agent}", "curl"},
      {"{header.X-Multi}", "a, b"},
      {"{header.Missing}", ""},
      {"{cookie.theme}", "dark"},
      {"{query.name}", "J\xc3\xbcrgen X"},
      {"{query.absent}", ""},
      {"{http.request.uri.query.a}", "1"},
      {"{path.0}/{path.2}", "blog/file.txt"},
      {"{labels.0}.{labels.1}", "com.example"},
      {"{env.POGO_PH_TEST}", "from-env"},
      {"{re.api.1}", "users"},
      {"{http.regexp.api.1}", "users"},
      {"{file_match.relative}", "/index.php"},
      {"{http.matchers.file.absolute}{file_match.remainder} {file_match.type}", "/srv/www/index.php/rest file"},
      {"{file_match.nope}", ""},
      {"{http.vars.root}", "/srv/www"},
      {"{vars.root}", "/srv/www"},
      {"{http.request.orig_uri}", "/orig/path.php?a=1"},
      {"{http.request.orig_uri.path}", "/orig/path.php"},
      {"{re.other.1}", ""},
      {"{unknown.thing}", "{unknown.thing}"},
      {"a {b c} d", "a {b c} d"},
      {"\\{path\\}", "{path}"},
      {"{path", "{path"},
      {"{a\\}b}", "{a}b}"},
      {"a\\}b", "a\\}b"},
      {"{{path}}", "{/blog/post/file.txt}"},
      {"x{}y{path}", "x{}y/blog/post/file.txt"},
      {"/index.php?{query}&p={path}", "/index.php?a=1&name=J%C3%BCrgen+X&empty=&p=/blog/post/file.txt"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.in);
    CHECK(replace_placeholders(c.in, r) == c.out);
    CHECK(Template(c.in).expand(r) == c.out);  // compiled once at start-up: the same answer
  }
  CHECK(Template("/a/b").literal());
  CHECK_FALSE(Template("/a/{path}").literal());
  CHECK(placeholder_long_name("re.x.1") == "http.regexp.x.1");
  CHECK(placeholder_long_name("file_match.relative") == "http.matchers.file.relative");
  CHECK(has_placeholders("/x/{path}"));
  CHECK_FALSE(has_placeholders("/x/y"));
}

TEST_CASE("{err.*} placeholders: the error a handle_errors route answers, empty elsewhere") {
  RequestHead h;
  h.path = "/x";
  Request r(h);
  CHECK(replace_placeholders("[{err.status_code}][{err.message}]", r) == "[][]");
  HttpError e{503, "busy now", "/app/x.php:3", "AbC123xyz"};
  r.error = &e;
  CHECK(replace_placeholders("{err.status_code} {err.status_text}: {err.message} @ {err.trace} #{err.id}", r) ==
        "503 Service Unavailable: busy now @ /app/x.php:3 #AbC123xyz");
  CHECK(replace_placeholders("{http.error.status_code}/{http.error.id}", r) == "503/AbC123xyz");
  CHECK(replace_placeholders("{err.nope}", r) == "{err.nope}");
  CHECK(placeholder_long_name("err.message") == "http.error.message");
}

TEST_CASE("{resp.*} and {rp.*}: the response a handle_response route was chosen for, empty elsewhere") {
  RequestHead h;
  h.path = "/x";
  Request r(h);
  CHECK(replace_placeholders("[{resp.status_code}][{resp.header.X-Accel-Redirect}][{rp.status_text}]", r) == "[][][]");
  // The proxy fills its upstream placeholders in once it chose one: kept as written until then.
  CHECK(replace_placeholders("{http.reverse_proxy.upstream.hostport}", r) == "{http.reverse_proxy.upstream.hostport}");
  std::vector<Header> fields = {{"X-Accel-Redirect", "/private/a.bin"}, {"Vary", "A"}, {"vary", "B"}};
  HandledResponse seen{404, &fields, false};
  r.response = &seen;
  CHECK(replace_placeholders("{resp.status_code} {resp.header.x-accel-redirect} {http.intercept.header.Vary}", r) ==
        "404 /private/a.bin A,B");
  CHECK(Template("{resp.header.X-Accel-Redirect}").expand(r) == "/private/a.bin");
  CHECK(replace_placeholders("[{rp.status_code}]", r) == "[]");  // intercept's response is not the proxy's
  seen.from_proxy = true;
  CHECK(replace_placeholders("{rp.status_code} {rp.status_text} {rp.header.Vary} [{resp.status_code}]", r) ==
        "404 404 Not Found A,B []");
  CHECK(replace_placeholders("{http.reverse_proxy.status_code}", r) == "404");
  CHECK(placeholder_long_name("resp.header.X") == "http.intercept.header.X");
  CHECK(placeholder_long_name("rp.status_code") == "http.reverse_proxy.status_code");
}

TEST_CASE("query values are decoded") {
  CHECK(query_value("a=1&b=x%20y&c", "b") == "x y");
  CHECK(query_value("a=1&c", "c") == "");
  CHECK_FALSE(query_value("a=1", "b"));
  CHECK(query_unescape("a+b%2Fc%zz") == "a b/c%zz");
}
