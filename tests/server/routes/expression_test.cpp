// The expression matcher evaluated against requests, as a table; the vars matchers; header
// regexp replacement and request_header operations.
#include <doctest/doctest.h>

#include "caddyfile/config.h"
#include "server/routes/expression.h"
#include "server/routes/header_ops.h"
#include "server/routes/matcher.h"
#include "server/routes/placeholders.h"

using namespace pogo::server;
using Op = caddyfile::HeaderOp::Op;

namespace {

RequestHead head() {
  RequestHead h;
  h.method = "GET";
  h.path = "/api/v2/users";
  h.query = "debug=1&id=7";
  h.uri = h.path + "?" + h.query;
  h.scheme = "http";
  h.http_major = 1;
  h.http_minor = 1;
  h.remote_addr = "192.168.1.20";
  h.headers = {{"Host", "shop.example.com:8080"}, {"X-Debug", "1"}, {"Accept", "text/html, application/json"},
               {"Cookie", "sess=abc123; theme=dark"}};
  return h;
}

bool eval(const std::string& text, Request& r) { return Expression::compile(text, "m")->matches(r); }

}  // namespace

TEST_CASE("expression matcher: evaluation") {
  const std::pair<const char*, bool> cases[] = {
      // placeholders, long and short, compared
      {"{path} == '/api/v2/users'", true},
      {"{http.request.uri.path} == \"/api/v2/users\"", true},
      {"{method} != 'GET'", false},
      {"{http.request.host} == 'shop.example.com'", true},
      {"{header.X-Debug} == '1'", true},
      {"{http.request.header.X-Debug} == '1'", true},
      {"{http.request.header.Missing} == ''", true},
      {"{query.id} == 7", true},  // text that spells the integer
      {"{query.id} > 5 && {query.id} <= 7", true},
      {"{query.id} < 7", false},
      {"'abc' < 'abd'", true},
      {"{unknown.placeholder} == null", true},
      // logic
      {"{path} == '/x' || {method} == 'GET'", true},
      {"{path} == '/x' && {method} == 'GET'", false},
      {"!({method} == 'POST')", true},
      {"!true || false", false},
      {"({method} == 'GET') ? {path}.startsWith('/api') : false", true},
      // string methods
      {"{path}.startsWith('/api/')", true},
      {"{path}.endsWith('/users')", true},
      {"{path}.contains('v2')", true},
      {"{path}.matches('^/api/v[0-9]+/')", true},
      {"{path}.matches('^/v[0-9]+')", false},
      {"matches({header.Cookie}, 'sess=[a-z0-9]+')", true},
      {"'v1'.matches({header.X-Debug})", true},  // a pattern known at request time
      {"{path}.matches({header.X-Debug})", false},
      // in
      {"{method} in ['GET', 'HEAD']", true},
      {"{method} in ['POST']", false},
      {"'a' in {'a': 1}", true},
      // Caddy's matcher functions
      {"path('/api/*')", true},
      {"path('/other', '/x/*')", false},
      {"path_regexp('^/api/v([0-9]+)')", true},
      {"method('get', 'POST')", true},
      {"host('*.example.com')", true},
      {"host('example.org')", false},
      {"header({'X-Debug': '1'})", true},
      {"header({'Accept': ['*json*', 'none']})", true},
      {"header({'X-Missing': null})", false},
      {"header_regexp('Cookie', 'theme=(dark|light)')", true},
      {"query({'debug': '1'})", true},
      {"query({'id': ['8', '9']})", false},
      {"remote_ip('192.168.0.0/16')", true},
      {"remote_ip('10.0.0.0/8')", false},
      {"client_ip('192.168.1.20')", true},
      {"protocol('http')", true},
      {"protocol('https')", false},
      {"path('/api/*') && !method('POST') && {header.X-Debug} == '1'", true},
      // evaluation errors do not match, unless && / || decide without them
      {"{path} < 3", false},
      {"!{path}", false},
      {"{path}.startsWith(1)", false},
      {"true || {path} < 3", true},
      {"{path} < 3 || true", true},
      {"false && {path} < 3", false},
      {"{path}", false},
  };
  for (const auto& [text, want] : cases) {
    std::string shown = text;
    CAPTURE(shown);
    RequestHead h = head();
    Request r(h);
    CHECK(eval(text, r) == want);
  }
}

TEST_CASE("expression matcher: captures, vars, and bad input at compile time") {
  RequestHead h = head();
  Request r(h);
  CHECK(eval("path_regexp('ver', '^/api/v([0-9]+)') && header_regexp('Cookie', 'sess=([a-z0-9]+)')", r));
  CHECK(*placeholder_value("re.ver.1", r) == "2");
  CHECK(*placeholder_value("re.m.1", r) == "abc123");  // unnamed: the matcher's name

  r.vars["http.vars.tier"] = "gold";
  CHECK(eval("vars({'tier': ['silver', 'gold']})", r));
  CHECK(eval("vars({'{vars.tier}': 'gold'})", r));
  CHECK_FALSE(eval("vars({'tier': 'bronze'})", r));
  CHECK(eval("{vars.tier} == 'gold'", r));
  CHECK(eval("vars_regexp('t', 'tier', '^g(.)')", r));
  CHECK(*placeholder_value("re.t.1", r) == "o");

  CHECK_THROWS_WITH(Expression::compile("{path}.size()", "m"), "expression matcher: unsupported function \"size\"");
  CHECK_THROWS_WITH(Expression::compile("{path}.matches('(')", "m"),
                    doctest::Contains("expression matcher: matches(): invalid regular expression \"(\""));
  CHECK_THROWS(Expression::compile("remote_ip('nonsense')", "m"));
}

TEST_CASE("vars and vars_regexp matcher sets") {
  RequestHead h = head();
  Request r(h);
  r.vars["http.vars.area"] = "api";
  caddyfile::MatcherSet s;
  s.vars = {{"area", {"web", "api"}}};
  CHECK(Matcher::from_set(s, "v").matches(r));
  s.vars = {{"area", {"web"}}, {"{header.X-Debug}", {"1"}}};  // any entry may match, as Caddy
  CHECK(Matcher::from_set(s, "v").matches(r));
  s.vars = {{"area", {"web"}}, {"missing", {"x"}}};
  CHECK_FALSE(Matcher::from_set(s, "v").matches(r));
  s.vars = {{"missing", {""}}};  // an unset variable is empty
  CHECK(Matcher::from_set(s, "v").matches(r));
  s.vars = {{"area", {"{query.area}"}}};  // the values' placeholders are resolved
  h.query = "area=api";
  CHECK(Matcher::from_set(s, "v").matches(r));

  caddyfile::MatcherSet re;
  re.vars_regexps = {{"", {"area", "^(a)p"}}};
  CHECK(Matcher::from_set(re, "name").matches(r));
  CHECK(*placeholder_value("re.name.1", r) == "a");
  re.vars_regexps = {{"", {"area", "^web"}}};
  CHECK_FALSE(Matcher::from_set(re, "name").matches(r));

  caddyfile::MatcherSet e;
  e.expression = "{vars.area} == 'api'";
  e.paths = {"/api/*"};
  CHECK(Matcher::from_set(e, "e").matches(r));
  e.nots.push_back({});
  e.nots[0].expression = "{method} == 'GET'";
  CHECK_FALSE(Matcher::from_set(e, "e").matches(r));
}

TEST_CASE("header replace finds with a regular expression and expands groups") {
  auto run = [](caddyfile::HeaderOp op, std::vector<Header> hs) {
    caddyfile::HeaderSpec spec{{op}, true};
    RequestHead h = head();
    Request r(h);
    auto ops = resolve_header_ops(spec, compile_header_finds(spec), r);
    HeaderOps::apply_all({ops}, hs);
    for (const auto& x : hs)
      if (x.name == "Location") return x.value;
    return std::string("(none)");
  };
  std::vector<Header> loc = {{"Location", "http://a.example/x?y=1"}};
  CHECK(run({Op::replace, "Location", "^http://([^/]+)(.*)$", "https://$1:8443$2"}, loc) == "https://a.example:8443/x?y=1");
  CHECK(run({Op::replace, "Location", "(?P<dom>a\\.example)", "[${dom}]"}, loc) == "http://[a.example]/x?y=1");
  // ${host} is the {host} placeholder first ("$shop.example.com", then $shop is no group), as in
  // Caddy, whose Caddyfile adapter expands the shorthand before the replacer runs
  CHECK(run({Op::replace, "Location", "(?P<host>a\\.example)", "[${host}]"}, loc) == "http://[.example.com]/x?y=1");
  CHECK(run({Op::replace, "Location", "x", "$$"}, loc) == "http://a.e$ample/$?y=1");
  CHECK(run({Op::replace, "Location", "http", "{method}"}, loc) == "GET://a.example/x?y=1");  // placeholders in the replacement
  CHECK(run({Op::replace, "Location", "nomatch", "z"}, loc) == "http://a.example/x?y=1");
  CHECK(run({Op::replace, "*", "example", "test"}, loc) == "http://a.test/x?y=1");
  CHECK_THROWS_WITH(compile_header_finds({{{Op::replace, "X", "(", "y"}}, true}),
                    doctest::Contains("header X: invalid regular expression \"(\""));
}

TEST_CASE("request_header operations change the request's headers") {
  RequestHead h = head();
  Request r(h);
  caddyfile::HeaderSpec spec{{{Op::set, "X-Debug", "0", ""},
                              {Op::add, "X-Added", "{method}", ""},
                              {Op::remove, "Cookie", "", ""},
                              {Op::replace, "Accept", "application/(\\w+)", "app/$1"}},
                             false};
  resolve_header_ops(spec, compile_header_finds(spec), r)->apply_to_request(h.headers);
  CHECK(*h.header("X-Debug") == "0");
  CHECK(*h.header("X-Added") == "GET");
  CHECK(h.header("Cookie") == nullptr);
  CHECK(*h.header("Accept") == "text/html, app/json");
}
