// LogFilters: each of Caddy's field filters on a real access-log entry's shape (header values are
// arrays of strings), with the values Caddy produces for the same input.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "server/log.h"
#include "server/log_filter.h"
#include "server/log_output.h"
#include "server/rolling_file.h"

using namespace pogo::server;
using caddyfile::LogFieldFilter;
using caddyfile::LogFilterAction;
using nlohmann::json;

namespace {

json entry() {
    return json::parse(R"({
        "request": {
            "remote_ip": "203.0.113.77", "client_ip": "2001:db8:abcd:12:34::1", "uri": "/api?x=1&authorization=secret&b=two%20words",
            "headers": {"Authorization": ["Bearer abc"], "Cookie": ["session=s3cr3t; theme=dark", "secret=1"],
                        "X-Forwarded-For": ["198.51.100.9, 10.1.2.3:8080, [2001:db8::7]:443"]}
        },
        "resp_headers": {"Set-Cookie": ["session=new; Path=/; HttpOnly", "secret=\"q\"; Path=/", "theme=light"]},
        "status": 200
    })");
}

LogFieldFilter filter(std::string field, std::string name) {
    LogFieldFilter f;
    f.field = std::move(field);
    f.filter = std::move(name);
    return f;
}

json apply(std::vector<LogFieldFilter> fs) {
    json e = entry();
    LogFilters(fs).apply(e);
    return e;
}

}  // namespace

TEST_CASE("log filter: hash is the first 4 bytes of SHA-256 as hex, as Caddy's") {
    CHECK(log_hash("") == "e3b0c442");
    CHECK(log_hash("abc") == "ba7816bf");
    json e = apply({filter("request>headers>Authorization", "hash")});
    CHECK(e["request"]["headers"]["Authorization"] == json::array({log_hash("Bearer abc")}));
}

TEST_CASE("log filter: delete removes the field, replace makes it one string") {
    json e = apply({filter("request>headers>Authorization", "delete"), filter("status", "delete")});
    CHECK_FALSE(e["request"]["headers"].contains("Authorization"));
    CHECK_FALSE(e.contains("status"));
    LogFieldFilter r = filter("request>headers>Cookie", "replace");
    r.value = "REDACTED";
    CHECK(apply({r})["request"]["headers"]["Cookie"] == "REDACTED");
    // A path that is not in the entry changes nothing.
    CHECK(apply({filter("request>headers>Missing", "delete"), filter("nope>deeper", "delete")}) == entry());
}

TEST_CASE("log filter: ip_mask on addresses, address:port and lists") {
    LogFieldFilter m = filter("request>remote_ip", "ip_mask");
    m.ipv4_cidr = 24;
    m.ipv6_cidr = 32;
    LogFieldFilter c = m, x = m;
    c.field = "request>client_ip";
    x.field = "request>headers>X-Forwarded-For";
    json e = apply({m, c, x});
    CHECK(e["request"]["remote_ip"] == "203.0.113.0");
    CHECK(e["request"]["client_ip"] == "2001:db8::");
    CHECK(e["request"]["headers"]["X-Forwarded-For"] == json::array({"198.51.100.0, 10.1.2.0:8080, [2001:db8::]:443"}));
    LogFieldFilter v4only = filter("request>client_ip", "ip_mask");
    v4only.ipv4_cidr = 16;
    CHECK(apply({v4only})["request"]["client_ip"] == "2001:db8:abcd:12:34::1");  // no IPv6 mask: unchanged
}

TEST_CASE("log filter: query replaces, deletes and hashes parameters; keys come out sorted as Go encodes them") {
    LogFieldFilter q = filter("request>uri", "query");
    q.actions = {{"replace", "authorization", "REDACTED"}, {"delete", "x", ""}, {"hash", "b", ""}};
    CHECK(apply({q})["request"]["uri"] == "/api?authorization=REDACTED&b=" + log_hash("two words"));
    LogFieldFilter keep = filter("request>uri", "query");
    keep.actions = {{"delete", "nothing", ""}};
    CHECK(apply({keep})["request"]["uri"] == "/api?authorization=secret&b=two+words&x=1");
    json plain = json::object({{"uri", "/no-query"}});
    LogFilters({[] {
        LogFieldFilter f = filter("uri", "query");
        f.actions = {{"delete", "a", ""}};
        return f;
    }()}).apply(plain);
    CHECK(plain["uri"] == "/no-query");
}

TEST_CASE("log filter: cookie rewrites the request's cookies into one header value") {
    LogFieldFilter c = filter("request>headers>Cookie", "cookie");
    c.actions = {{"replace", "session", "REDACTED"}, {"delete", "secret", ""}, {"hash", "theme", ""}};
    CHECK(apply({c})["request"]["headers"]["Cookie"] ==
          json::array({"session=REDACTED; theme=" + log_hash("dark")}));
}

TEST_CASE("log filter: set_cookie rewrites each Set-Cookie line, keeping its attributes") {
    LogFieldFilter c = filter("resp_headers>Set-Cookie", "set_cookie");
    c.actions = {{"replace", "session", "REDACTED"}, {"hash", "secret", ""}, {"delete", "theme", ""}};
    CHECK(apply({c})["resp_headers"]["Set-Cookie"] ==
          json::array({"session=REDACTED; Path=/; HttpOnly", "secret=\"" + log_hash("q") + "\"; Path=/"}));
}

TEST_CASE("log filter: regexp (ECMAScript) on every element, several in order") {
    LogFieldFilter r = filter("request>headers>Authorization", "regexp");
    r.regexps = {{"Bearer (\\w)\\w*", "Bearer $1***"}, {"\\*+", "..."}};
    CHECK(apply({r})["request"]["headers"]["Authorization"] == json::array({"Bearer a..."}));
    LogFieldFilter bad = filter("x", "regexp");
    bad.regexps = {{"(", ""}};
    CHECK_THROWS_AS(LogFilters({bad}), std::runtime_error);
}

TEST_CASE("log filter: the default logger (global `log`) writes through its rolling file and filters") {
    std::string tmpl = (std::filesystem::temp_directory_path() / "pogo-log-XXXXXX").string();
    const std::filesystem::path dir = mkdtemp(tmpl.data());
    const std::string path = (dir / "pogo.log").string();
    LogFieldFilter mask = filter("remote_ip", "ip_mask");
    mask.ipv4_cidr = 16;
    pogo::log::set_json(true);
    pogo::log::set_output_file(std::make_shared<RollingFile>(path, RollingFile::Options{}));
    pogo::log::set_filters(std::make_shared<const LogFilters>(std::vector<LogFieldFilter>{mask}));
    pogo::log::info("test", "hello", {{"remote_ip", "192.168.7.9"}});
    pogo::log::set_output_file(nullptr);
    pogo::log::set_filters(nullptr);
    pogo::log::set_json(false);
    std::ifstream in(path);
    std::string line;
    REQUIRE(std::getline(in, line));
    const json j = json::parse(line);
    CHECK(j["msg"] == "hello");
    CHECK(j["remote_ip"] == "192.168.0.0");
    std::filesystem::remove_all(dir);
}
