// The client IP behind trusted proxies (server/client_ip.h): which header entry is believed, and when.
#include <doctest/doctest.h>

#include "server/client_ip.h"
#include "server/exchange.h"
#include "server/routes/matcher.h"

using pogo::server::ClientIpPolicy;
using pogo::server::RequestHead;
using pogo::server::resolve_client_ip;

namespace {

RequestHead head(const std::string& peer, std::vector<pogo::server::Header> headers) {
  RequestHead h;
  h.remote_addr = peer;
  h.headers = std::move(headers);
  return h;
}

}  // namespace

TEST_CASE("client IP: no trusted proxies, or an untrusted peer: the peer, whatever the headers say") {
  ClientIpPolicy none;
  CHECK(resolve_client_ip(none, head("127.0.0.1", {{"X-Forwarded-For", "203.0.113.7"}})) == "127.0.0.1");
  ClientIpPolicy lan;
  lan.trusted = {"10.0.0.0/8"};
  CHECK(resolve_client_ip(lan, head("192.0.2.10", {{"X-Forwarded-For", "203.0.113.7"}})) == "192.0.2.10");
}

TEST_CASE("client IP: a trusted peer: the leftmost valid entry of the first header that has one") {
  ClientIpPolicy p;
  p.trusted = pogo::server::ip_ranges("trusted_proxies", {"private_ranges"});
  CHECK(resolve_client_ip(p, head("10.1.2.3", {{"X-Forwarded-For", "203.0.113.7, 10.0.0.1"}})) == "203.0.113.7");
  CHECK(resolve_client_ip(p, head("10.1.2.3", {{"x-forwarded-for", " 203.0.113.7:5512 "}})) == "203.0.113.7");
  CHECK(resolve_client_ip(p, head("::1", {{"X-Forwarded-For", "[2001:db8::5]:443, 10.0.0.1"}})) == "2001:db8::5");
  CHECK(resolve_client_ip(p, head("10.1.2.3", {{"X-Forwarded-For", "garbage, 198.51.100.4"}})) == "198.51.100.4");
  // Several header lines are one list; no header, or no address in it: the peer.
  CHECK(resolve_client_ip(p, head("10.1.2.3", {{"X-Forwarded-For", "198.51.100.1"}, {"X-Forwarded-For", "10.0.0.9"}})) ==
        "198.51.100.1");
  CHECK(resolve_client_ip(p, head("10.1.2.3", {})) == "10.1.2.3");
  CHECK(resolve_client_ip(p, head("10.1.2.3", {{"X-Forwarded-For", "unknown"}})) == "10.1.2.3");
  // client_ip_headers: the first listed header that holds an address wins.
  p.headers = {"X-Real-IP", "X-Forwarded-For"};
  CHECK(resolve_client_ip(p, head("10.1.2.3", {{"X-Forwarded-For", "203.0.113.7"}, {"X-Real-IP", "198.51.100.2"}})) ==
        "198.51.100.2");
  CHECK(resolve_client_ip(p, head("10.1.2.3", {{"X-Forwarded-For", "203.0.113.7"}})) == "203.0.113.7");
}

TEST_CASE("client IP: strict: the rightmost entry that is not a trusted proxy (a client cannot forge it)") {
  ClientIpPolicy p;
  p.trusted = {"10.0.0.0/8", "127.0.0.1/8"};
  p.strict = true;
  // The client wrote 1.1.1.1 itself; 198.51.100.9 is what the first trusted proxy saw.
  CHECK(resolve_client_ip(p, head("127.0.0.1", {{"X-Forwarded-For", "1.1.1.1, 198.51.100.9, 10.0.0.1"}})) ==
        "198.51.100.9");
  // Every entry trusted, or a broken entry reached first from the right: the peer.
  CHECK(resolve_client_ip(p, head("127.0.0.1", {{"X-Forwarded-For", "10.0.0.2, 10.0.0.1"}})) == "127.0.0.1");
  CHECK(resolve_client_ip(p, head("127.0.0.1", {{"X-Forwarded-For", "198.51.100.9, junk"}})) == "127.0.0.1");
}
