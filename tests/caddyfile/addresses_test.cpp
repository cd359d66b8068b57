// Site addresses decided as Caddy decides them.
#include <doctest/doctest.h>

#include "caddyfile/addresses.h"

using namespace caddyfile;

namespace {

std::string decide(const std::string& text, GlobalOptions g = {}) {
    Token t;
    t.text = text;
    t.file = "Caddyfile";
    t.line = 1;
    try {
        Address a = decide_address(t, g);
        return a.scheme + "|" + a.host + "|" + std::to_string(a.port) + "|" + a.path;
    } catch (const Error& e) {
        return e.what();
    }
}

}  // namespace

TEST_CASE("addresses: scheme and port") {
    const std::pair<std::string, std::string> cases[] = {
        {":8080", "http||8080|"},
        {":80", "http||80|"},
        {":443", "https||443|"},
        {"localhost:8080", "https|localhost|8080|"},
        {"localhost", "https|localhost|443|"},
        {"example.com", "https|example.com|443|"},
        {"Example.COM", "https|example.com|443|"},
        {"example.com:80", "http|example.com|80|"},
        {"http://example.com", "http|example.com|80|"},
        {"http://127.0.0.1:8080", "http|127.0.0.1|8080|"},
        {"https://example.com", "https|example.com|443|"},
        {"https://example.com:8443", "https|example.com|8443|"},
        {"http://", "http||80|"},
        {"https://", "https||443|"},
        {"", "Caddyfile:1: site address \"\": expected a host or a port"},
        {"http://:9000", "http||9000|"},
        {"[::1]:8080", "https|[::1]|8080|"},
        {"http://[::1]", "http|[::1]|80|"},
        {"example.com/api", "https|example.com|443|/api"},
        {"*.example.com", "https|*.example.com|443|"},
        {"ftp://example.com", "Caddyfile:1: site address \"ftp://example.com\": unsupported scheme \"ftp\" (expected http:// or https://)"},
        {"example.com:http", "Caddyfile:1: site address \"example.com:http\": invalid port \"http\""},
        {":99999", "Caddyfile:1: site address \":99999\": invalid port \"99999\""},
        {"a:b:c", "Caddyfile:1: site address \"a:b:c\": an IPv6 address must be written in brackets"},
        {"localhost:", "Caddyfile:1: site address \"localhost:\": missing port after ':'"},
        {"(snippet)", "Caddyfile:1: site address \"(snippet)\": invalid host \"(snippet)\""},
        {"{path}", "Caddyfile:1: site address \"{path}\": invalid host \"{path}\""},
    };
    for (const auto& [text, expected] : cases) {
        CAPTURE(text);
        CHECK(decide(text) == expected);
    }
}

TEST_CASE("addresses: http_port, https_port and auto_https off") {
    GlobalOptions g;
    g.http_port = 8080;
    g.https_port = 8443;
    CHECK(decide("http://example.com", g) == "http|example.com|8080|");
    CHECK(decide("example.com", g) == "https|example.com|8443|");
    CHECK(decide(":8080", g) == "http||8080|");
    CHECK(decide(":8443", g) == "https||8443|");
    CHECK(decide("localhost:8080", g) == "http|localhost|8080|");
    GlobalOptions off;
    off.auto_https = "off";
    CHECK(decide("localhost", off) == "http|localhost|443|");
    CHECK(decide("example.com:8080", off) == "http|example.com|8080|");
    CHECK(decide("https://example.com", off) == "https|example.com|443|");
}
