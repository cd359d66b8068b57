// The heads a reverse proxy forwards (server/proxy_headers.h): hop-by-hop fields in both
// directions, X-Forwarded-* for trusted and untrusted peers, header_up with the upstream's
// placeholders, and the framing of the request line and body.
#include <doctest/doctest.h>

#include "server/proxy_headers.h"

using namespace pogo::server;

namespace {

RequestHead head_with(std::vector<Header> headers) {
  RequestHead h;
  h.method = "POST";
  h.uri = "/a?b=1";
  h.remote_addr = "10.1.2.3";
  h.headers = std::move(headers);
  return h;
}

std::string value(const std::vector<Header>& hs, std::string_view name) {
  std::string out;
  for (const auto& h : hs)
    if (header_name_equals(h.name, name)) out += (out.empty() ? "" : "|") + h.value;
  return out;
}

UpstreamAddress upstream() { return UpstreamAddress{"::1", 8080, "[::1]:8080"}; }

// upstream_request_head() appended to what a reused buffer holds, without it.
std::string head_text(const RequestHead& h, const ToProxy& p, const UpstreamAddress& u, bool trusted) {
  std::string out = "(before)";
  upstream_request_head(out, h, p, u, trusted);
  REQUIRE(out.starts_with("(before)"));
  return out.substr(8);
}

}  // namespace

TEST_CASE("proxy headers: hop-by-hop fields, and those Connection names, are dropped") {
  std::vector<Header> hs = {{"Connection", "close, X-A , x-b"}, {"X-A", "1"}, {"X-B", "2"},
                            {"Keep-Alive", "5"}, {"Upgrade", "websocket"}, {"Alt-Svc", "h3"},
                            {"TE", "trailers"}, {"Transfer-Encoding", "chunked"}, {"X-C", "3"}};
  std::vector<Header> request = hs;
  strip_hop_by_hop(request, true);
  CHECK(request.size() == 2);
  CHECK(value(request, "TE") == "trailers");  // gRPC's, kept on requests
  CHECK(value(request, "X-C") == "3");
  strip_hop_by_hop(hs);
  REQUIRE(hs.size() == 1);
  CHECK(hs[0].name == "X-C");
}

TEST_CASE("proxy headers: every hop-by-hop name in any case; many names over several Connection fields") {
  std::vector<Header> hs;
  for (const char* n : {"connection", "PROXY-CONNECTION", "keep-alive", "Proxy-Authenticate", "proxy-authorization",
                        "te", "TRAILER", "transfer-encoding", "upgrade", "ALT-SVC"})
    hs.push_back({n, "x"});
  // Ten names (more than are kept aside at once), spread over two Connection fields, with empty
  // entries and spaces; fields of the same lengths as the names that are not named stay.
  hs.push_back({"Connection", " N1,N2 ,, n3,N4,N5"});
  hs.push_back({"Connection", "N6,N7,N8,N9 , x-last "});
  for (const char* n : {"N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8", "N9", "X-Last", "N0", "X-Lost", "Tf", "Trailers",
                        "Upgrades", "Keep-Alivf"})
    hs.push_back({n, "v"});
  strip_hop_by_hop(hs);
  std::vector<std::string> left;
  for (const auto& h : hs) left.push_back(h.name);
  CHECK(left == std::vector<std::string>{"N0", "X-Lost", "Tf", "Trailers", "Upgrades", "Keep-Alivf"});
}

TEST_CASE("proxy headers: X-Forwarded-* replace an untrusted peer's, extend a trusted one's") {
  RequestHead h = head_with({{"Host", "app.example"}, {"X-Forwarded-For", "1.1.1.1"}, {"X-Forwarded-For", "2.2.2.2"},
               {"X-Forwarded-Proto", "https"}, {"X-Forwarded-Host", "front.example"}});
  ToProxy p;
  auto untrusted = upstream_request_headers(h, p, upstream(), false);
  CHECK(value(untrusted, "X-Forwarded-For") == "10.1.2.3");
  CHECK(value(untrusted, "X-Forwarded-Proto") == "http");
  CHECK(value(untrusted, "X-Forwarded-Host") == "app.example");
  CHECK(value(untrusted, "Host") == "app.example");
  auto trusted = upstream_request_headers(h, p, upstream(), true);
  CHECK(value(trusted, "X-Forwarded-For") == "1.1.1.1, 2.2.2.2, 10.1.2.3");
  CHECK(value(trusted, "X-Forwarded-Proto") == "https");
  CHECK(value(trusted, "X-Forwarded-Host") == "front.example");
  RequestHead tls = head_with({});
  tls.scheme = "https";
  CHECK(value(upstream_request_headers(tls, p, upstream(), false), "X-Forwarded-Proto") == "https");
}

TEST_CASE("proxy headers: header_up runs last, with the upstream's placeholders") {
  auto ops = std::make_shared<HeaderOps>();
  using Op = caddyfile::HeaderOp::Op;
  ops->ops = {{Op::set, "Host", "{upstream_hostport}", ""},
        {Op::set, "X-Up", "{http.reverse_proxy.upstream.host} {http.reverse_proxy.upstream.port}", ""},
        {Op::remove, "X-Forwarded-Host", "", ""}};
  ToProxy p;
  p.header_up = ops;
  auto hs = upstream_request_headers(head_with({{"Host", "app.example"}}), p, upstream(), false);
  CHECK(value(hs, "Host") == "[::1]:8080");
  CHECK(value(hs, "X-Up") == "::1 8080");
  CHECK(value(hs, "X-Forwarded-Host") == "");
  CHECK(value(hs, "X-Forwarded-For") == "10.1.2.3");
  // The head sent: those fields in their order, the first Host only, the framing.
  RequestHead two_hosts = head_with({{"Host", "app.example"}, {"X-B", "b"}});
  two_hosts.content_length = 3;
  two_hosts.has_body = true;
  ops->ops.push_back({Op::add, "Host", "second.example", ""});
  p.target = "/t";
  CHECK(head_text(two_hosts, p, upstream(), false) ==
        "POST /t HTTP/1.1\r\nX-B: b\r\nX-Forwarded-For: 10.1.2.3\r\nX-Forwarded-Proto: http\r\nHost: [::1]:8080\r\n"
        "X-Up: ::1 8080\r\nContent-Length: 3\r\n\r\n");
}

TEST_CASE("proxy headers: the request line and the body's framing") {
  ToProxy p;
  p.target = "/a?b=1";
  RequestHead sized = head_with({{"Host", "h"}, {"Content-Length", "5"}, {"Expect", "100-continue"}});
  sized.content_length = 5;
  sized.has_body = true;
  std::string s = head_text(sized, p, upstream(), false);
  CHECK(s.starts_with("POST /a?b=1 HTTP/1.1\r\nHost: h\r\n"));
  CHECK(s.find("Content-Length: 5\r\n") != std::string::npos);
  CHECK(s.find("Expect") == std::string::npos);
  CHECK(s.find("Transfer-Encoding") == std::string::npos);
  CHECK(s.ends_with("\r\n\r\n"));

  RequestHead chunked = head_with({{"Host", "h"}, {"Transfer-Encoding", "chunked"}});
  chunked.has_body = true;
  s = head_text(chunked, p, upstream(), false);
  CHECK(s.find("Transfer-Encoding: chunked\r\n") != std::string::npos);
  CHECK(s.find("Content-Length") == std::string::npos);

  RequestHead old = head_with({});  // HTTP/1.0 without Host: the upstream's
  old.method = "GET";
  s = head_text(old, p, upstream(), false);
  CHECK(s.find("Host: [::1]:8080\r\n") != std::string::npos);
  CHECK(s.find("Transfer-Encoding") == std::string::npos);
}

TEST_CASE("proxy headers: a WebSocket handshake keeps its upgrade going up, anything else loses it") {
  RequestHead h = head_with({{"Host", "example.com"}, {"Connection", "keep-alive, Upgrade"},
                             {"Upgrade", "websocket"}, {"Sec-WebSocket-Key", "k"}});
  h.method = "GET";
  h.http_major = 1;
  h.http_minor = 1;
  CHECK(upgrade_type(h) == "websocket");
  ToProxy p;
  auto up = upstream_request_headers(h, p, upstream(), false);
  CHECK(value(up, "Connection") == "Upgrade");
  CHECK(value(up, "Upgrade") == "websocket");
  CHECK(value(up, "Sec-WebSocket-Key") == "k");

  RequestHead no_token = h;  // Upgrade without Connection naming it: a hop-by-hop field, dropped
  no_token.headers = {{"Host", "example.com"}, {"Upgrade", "websocket"}};
  CHECK(upgrade_type(no_token).empty());
  CHECK(value(upstream_request_headers(no_token, p, upstream(), false), "Upgrade").empty());

  RequestHead h2c = h;  // cleartext HTTP/2 is the server's own business
  h2c.headers = {{"Connection", "Upgrade, HTTP2-Settings"}, {"Upgrade", "h2c"}};
  CHECK(upgrade_type(h2c).empty());

  RequestHead old = h;  // HTTP/1.0 cannot switch
  old.http_minor = 0;
  CHECK(upgrade_type(old).empty());

  RequestHead with_body = h;
  with_body.has_body = true;
  CHECK(upgrade_type(with_body).empty());
}

TEST_CASE("proxy headers: the address a dynamic upstream expanded to") {
  auto a = parse_upstream_address("app:8080");
  REQUIRE(a);
  CHECK(a->host == "app");
  CHECK(a->port == 8080);
  CHECK(a->hostport == "app:8080");
  a = parse_upstream_address("http://10.0.0.7");
  REQUIRE(a);
  CHECK(a->hostport == "10.0.0.7:80");
  a = parse_upstream_address("[::1]:9000");
  REQUIRE(a);
  CHECK(a->host == "::1");
  CHECK(a->hostport == "[::1]:9000");
  for (const char* bad : {"", ":80", "app:", "app:0", "app:65536", "app:http", "::1:80", "app/x:80", "[::1", "a b:1",
                          "{http.request.header.X}:80", "user@host:80"})
    CHECK_MESSAGE(!parse_upstream_address(bad), bad);
}

TEST_CASE("proxy headers: the head written straight from the request equals the fields' own list") {
  // upstream_request_head() writes the fields itself when there is no header_up: each case must
  // give the lines upstream_request_headers() lists, in its order.
  std::vector<std::vector<Header>> cases = {
      {{"Host", "example.com"}, {"Accept", "*/*"}},
      {{"Host", "a"}, {"Connection", "keep-alive, X-Secret"}, {"X-Secret", "1"}, {"TE", "trailers"},
       {"X-Forwarded-For", "1.1.1.1"}, {"X-Forwarded-For", "2.2.2.2"}, {"X-Forwarded-Proto", "https"},
       {"X-Forwarded-Host", "front"}, {"Expect", "100-continue"}, {"Content-Length", "4"}},
      {{"Host", "ws"}, {"Connection", "Upgrade"}, {"Upgrade", "websocket"}, {"Sec-WebSocket-Key", "k"}},
      {{"Accept", "x"}},  // HTTP/1.0 without Host
  };
  for (bool trusted : {false, true})
    for (auto& hs : cases) {
      RequestHead h = head_with(hs);
      h.method = "GET";
      h.scheme = "https";
      ToProxy p;
      p.target = "/t";
      std::string expected = "GET /t HTTP/1.1\r\n";
      bool host = false;
      for (const auto& f : upstream_request_headers(h, p, upstream(), trusted)) {
        if (header_name_equals(f.name, "Host")) host = true;
        expected += f.name + ": " + f.value + "\r\n";
      }
      if (!host) expected += "Host: [::1]:8080\r\n";
      expected += "\r\n";
      CAPTURE(trusted);
      CHECK(head_text(h, p, upstream(), trusted) == expected);
    }
}
