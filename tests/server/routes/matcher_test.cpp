// Matchers, as tables: Caddy's path patterns, hosts, header value patterns, IP ranges, regexps
// with their captures, and whole matcher sets.
#include <doctest/doctest.h>

#include "caddyfile/config.h"
#include "server/routes/matcher.h"
#include "server/routes/placeholders.h"

using namespace pogo::server;

namespace {

RequestHead head(std::string path, std::string query = "", std::string method = "GET") {
  RequestHead h;
  h.method = std::move(method);
  h.path = std::move(path);
  h.query = std::move(query);
  h.uri = h.path + (h.query.empty() ? "" : "?" + h.query);
  h.remote_addr = "192.168.1.20";
  h.headers = {{"Host", "Shop.Example.com:8080"}, {"X-Debug", "1"}, {"Accept", "text/html, application/json"}};
  return h;
}

}  // namespace

TEST_CASE("path patterns as Caddy matches them") {
  struct Case {
    const char* pattern;
    const char* path;
    bool match;
  } cases[] = {
      {"*", "/anything", true},
      {"/", "/", true},
      {"/", "/a", false},
      {"/api", "/api", true},
      {"/api", "/api/", false},
      {"/api/*", "/api/users", true},
      {"/api/*", "/api/", true},
      {"/api/*", "/api", false},
      {"/api*", "/apis", true},
      {"*.php", "/index.php", true},
      {"*.php", "/a/b/INDEX.PHP", true},
      {"*.php", "/index.php/x", false},
      {"*/", "/dir/", true},
      {"*/", "/dir", false},
      {"*admin*", "/x/admin/y", true},
      {"/API/*", "/api/x", true},
      {"/a/*/c", "/a/b/c", true},
      {"/a/*/c", "/a/b/x/c", false},
      {"/wp-content/uploads/*.php", "/wp-content/uploads/evil.php", true},
      {"/wp-content/uploads/*.php", "/wp-content/uploads/2024/evil.php", false},
      {"/file?.txt", "/file1.txt", true},
      // Letters compare case-insensitively in every form (compared in place, no lowered copies).
      {"/Exact", "/exact", true},
      {"*ADMIN*", "/x/Admin/y", true},
      {"*ADMIN*", "/x/adm/in", false},
      {"/A/*/C", "/a/B/c", true},
      {"/file?.TXT", "/FILE1.txt", true},
      {"/file?.TXT", "/file12.txt", false},
  };
  for (const auto& c : cases) {
    CAPTURE(c.pattern);
    CAPTURE(c.path);
    CHECK(path_pattern_matches(c.pattern, c.path) == c.match);
  }
}

TEST_CASE("hosts, header values and IP ranges") {
  CHECK(host_pattern_matches("example.com", "EXAMPLE.com"));
  CHECK(host_pattern_matches("*.example.com", "shop.example.com"));
  CHECK_FALSE(host_pattern_matches("*.example.com", "example.com"));
  CHECK_FALSE(host_pattern_matches("*.example.com", "a.b.example.com"));

  CHECK(value_pattern_matches("*", "x"));
  CHECK(value_pattern_matches("text/*", "text/html"));
  CHECK(value_pattern_matches("*json", "application/json"));
  CHECK(value_pattern_matches("*html*", "text/html, */*"));
  CHECK_FALSE(value_pattern_matches("gzip", "GZIP"));

  struct Case {
    const char* range;
    const char* ip;
    bool in;
  } ips[] = {
      {"127.0.0.1", "127.0.0.1", true},       {"127.0.0.0/8", "127.9.9.9", true},
      {"10.0.0.0/8", "11.0.0.1", false},      {"192.168.0.0/16", "::ffff:192.168.3.4", true},
      {"::1", "::1", true},                   {"2001:db8::/32", "2001:db8:1::5", true},
      {"2001:db8::/32", "2001:db9::5", false}, {"0.0.0.0/0", "8.8.8.8", true},
      {"172.16.0.0/12", "172.31.255.255", true}, {"172.16.0.0/12", "172.32.0.0", false},
      {"10.0.0.0/8", "::1", false},
  };
  for (const auto& c : ips) {
    CAPTURE(c.range);
    CAPTURE(c.ip);
    CHECK(ip_in_range(c.range, c.ip) == c.in);
  }
  CHECK_FALSE(valid_ip_range("10.0.0.0/33"));
  CHECK_FALSE(valid_ip_range("not-an-ip"));
  CHECK(valid_ip_range("fd00::/8"));
}

TEST_CASE("path_regexp records its captures as {re.NAME.N}") {
  caddyfile::MatcherSet set;
  set.path_regexps = {{"", R"(^/user/(?P<id>\d+)/(\w+)$)"}};
  Matcher m = Matcher::from_set(set, "profile");
  RequestHead h = head("/user/42/edit");
  Request r(h);
  REQUIRE(m.matches(r));
  CHECK(replace_placeholders("{re.profile.1} {re.profile.id} {re.profile.2} {re.1}", r) == "42 42 edit 42");
  RequestHead other = head("/user/x/edit");
  Request r2(other);
  CHECK_FALSE(m.matches(r2));

  caddyfile::MatcherSet icase;
  icase.path_regexps = {{"static", "(?i)\\.(CSS|js)$"}};
  RequestHead css = head("/a/b.css");
  Request rc(css);
  CHECK(Matcher::from_set(icase, "x").matches(rc));
  CHECK(replace_placeholders("{re.static.1}", rc) == "css");

  caddyfile::MatcherSet bad;
  bad.path_regexps = {{"", "(unclosed"}};
  CHECK_THROWS(Matcher::from_set(bad, "x"));
}

TEST_CASE("matcher sets: every condition must hold") {
  caddyfile::MatcherSet api;
  api.paths = {"/api/*"};
  api.methods = {"GET", "POST"};
  caddyfile::MatcherSet debug;
  debug.headers = {{"X-Debug", {"1"}}};
  api.nots.push_back(debug);
  Matcher m = Matcher::from_set(api, "api");

  RequestHead h = head("/api/x");
  Request r(h);
  CHECK_FALSE(m.matches(r));  // X-Debug: 1 is present
  h.headers.erase(h.headers.begin() + 1);
  CHECK(m.matches(r));
  h.method = "DELETE";
  CHECK_FALSE(m.matches(r));

  caddyfile::MatcherSet q;
  q.query = {{"page", "*"}, {"sort", "asc"}, {"sort", "desc"}};
  Matcher mq = Matcher::from_set(q, "q");
  RequestHead hq = head("/", "page=2&sort=desc");
  Request rq(hq);
  CHECK(mq.matches(rq));
  hq.query = "page=2&sort=up";
  CHECK_FALSE(mq.matches(rq));
  hq.query = "sort=asc";
  CHECK_FALSE(mq.matches(rq));

  caddyfile::MatcherSet absent;
  absent.headers = {{"!Authorization", {}}};
  RequestHead ha = head("/");
  Request ra(ha);
  CHECK(Matcher::from_set(absent, "a").matches(ra));
  ha.headers.push_back({"Authorization", "Basic x"});
  CHECK_FALSE(Matcher::from_set(absent, "a").matches(ra));

  caddyfile::MatcherSet present;
  present.headers = {{"Accept", {"*json*"}}};
  CHECK(Matcher::from_set(present, "p").matches(ra));

  caddyfile::MatcherSet hosts;
  hosts.hosts = {"*.example.com"};
  CHECK(Matcher::from_set(hosts, "h").matches(ra));

  caddyfile::MatcherSet ips;
  ips.remote_ips = {"192.168.0.0/16"};
  CHECK(Matcher::from_set(ips, "i").matches(ra));
  ips.remote_ips = {"private_ranges"};
  CHECK(Matcher::from_set(ips, "i").matches(ra));
  ips.remote_ips = {"10.0.0.0/8"};
  CHECK_FALSE(Matcher::from_set(ips, "i").matches(ra));
  ips.remote_ips = {"bogus"};
  CHECK_THROWS(Matcher::from_set(ips, "i"));

  caddyfile::MatcherSet expr;
  expr.expression = "{method} == \"GET\"";
  CHECK(Matcher::from_set(expr, "e").matches(ra));
  expr.expression = "{method} != \"GET\"";
  CHECK_FALSE(Matcher::from_set(expr, "e").matches(ra));
}
