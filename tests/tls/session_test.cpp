// tls::Session against a real OpenSSL client, in memory: handshakes, data, ALPN, the ways a peer
// misbehaves, and the variables PHP sees.
#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "tests/tls/test_certs.h"
#include "tests/tls/test_client.h"
#include "tls/server_context.h"
#include "tls/session.h"

using pogo::tls::FixedCertificates;
using pogo::tls::ServerContext;
using pogo::tls::Session;
using pogo::tls::SitePolicy;
using namespace pogo::tls::testing;

namespace {

struct Fixture {
  TestCa ca;
  std::shared_ptr<FixedCertificates> certs = std::make_shared<FixedCertificates>();
  std::unique_ptr<ServerContext> context;

  explicit Fixture(SitePolicy policy = {}) {
    certs->set_default(ca.issue({"example.com"}).certified());
    context = std::make_unique<ServerContext>(std::vector<SitePolicy>{policy}, certs);
  }
  ClientOptions client(std::vector<std::string> alpn = {}) const {
    ClientOptions o;
    o.sni = "example.com";
    o.alpn = std::move(alpn);
    o.trusted_ca_pem = ca.cert_pem();
    o.verify_host = "example.com";
    return o;
  }
};

std::string value_of(const std::vector<std::pair<std::string, std::string>>& vars, const std::string& name) {
  for (const auto& [k, v] : vars)
    if (k == name) return v;
  return "<unset>";
}

}  // namespace

TEST_CASE("Session: TLS 1.3 handshake, then application data both ways") {
  Fixture f;
  Session server(f.context->ctx());
  TestClient client(f.client());
  PumpResult r = pump(client, server);
  REQUIRE(client.done());
  REQUIRE(server.handshake_done());
  CHECK(r.last == Session::Result::Ok);
  CHECK(server.error().empty());
  CHECK(SSL_version(client.ssl()) == TLS1_3_VERSION);
  CHECK(server.server_name() == "example.com");
  CHECK(server.alpn().empty());

  REQUIRE(client.write("GET / HTTP/1.1\r\n\r\n"));
  r = pump(client, server);
  CHECK(r.plain == "GET / HTTP/1.1\r\n\r\n");
  REQUIRE(server.send("HTTP/1.1 200 OK\r\n\r\n", 19) == Session::Result::Ok);
  pump(client, server);
  CHECK(client.received() == "HTTP/1.1 200 OK\r\n\r\n");

  auto vars = server.variables();
  CHECK(value_of(vars, "HTTPS") == "on");
  CHECK(value_of(vars, "SSL_PROTOCOL") == "TLSv1.3");
  CHECK(value_of(vars, "SSL_CIPHER").starts_with("TLS_"));
  CHECK(value_of(vars, "SSL_CIPHER") == SSL_CIPHER_standard_name(SSL_get_current_cipher(client.ssl())));
  CHECK(value_of(vars, "SSL_CLIENT_VERIFY") == "<unset>");
}

TEST_CASE("Session: TLS 1.2 with a client capped at 1.2; the cipher is named as Go names it") {
  Fixture f;
  Session server(f.context->ctx());
  ClientOptions o = f.client();
  o.max_version = TLS1_2_VERSION;
  TestClient client(o);
  pump(client, server);
  REQUIRE(server.handshake_done());
  auto vars = server.variables();
  CHECK(value_of(vars, "SSL_PROTOCOL") == "TLSv1.2");
  // Server preference, Caddy's default order: AES-256-GCM first for an ECDSA certificate.
  CHECK(value_of(vars, "SSL_CIPHER") == "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384");
}

TEST_CASE("Session: ALPN follows the server's preference order") {
  struct Case {
    std::vector<std::string> server, client;
    std::string expected;  // "!" = the handshake fails
  };
  const Case cases[] = {
      {{"h2", "http/1.1"}, {"h2", "http/1.1"}, "h2"},
      {{"h2", "http/1.1"}, {"http/1.1", "h2"}, "h2"},
      {{"h2", "http/1.1"}, {"http/1.1"}, "http/1.1"},
      {{"h2", "http/1.1"}, {}, ""},
      {{"http/1.1"}, {"h2", "http/1.1"}, "http/1.1"},
      {{"http/1.1"}, {"h2"}, "!"},                  // no common protocol: no_application_protocol
      {{"h2", "http/1.1"}, {"spdy/3"}, "!"},
      {{"h2"}, {"http/1.1"}, ""},                   // Go's exception: an HTTP/1.1 client of an h2 server
      {{"h2", "http/1.1"}, {"acme-tls/1"}, "!"},    // no challenge pending
  };
  for (const Case& c : cases) {
    CAPTURE(c.expected);
    SitePolicy p;
    p.alpn = c.server;
    Fixture f(p);
    Session server(f.context->ctx());
    TestClient client(f.client(c.client));
    PumpResult r = pump(client, server);
    if (c.expected == "!") {
      CHECK(r.last == Session::Result::Error);
      CHECK_FALSE(client.done());
      continue;
    }
    REQUIRE(server.handshake_done());
    CHECK(server.alpn() == c.expected);
    CHECK(client.alpn() == c.expected);
  }
}

TEST_CASE("Session: a handshake received one byte at a time, in TLS 1.3 and 1.2") {
  for (int version : {TLS1_3_VERSION, TLS1_2_VERSION}) {
    CAPTURE(version);
    Fixture f;
    Session server(f.context->ctx());
    ClientOptions o = f.client({"h2", "http/1.1"});
    o.max_version = version;
    TestClient client(o);
    PumpResult r = pump(client, server, /*byte_at_a_time=*/true);
    CHECK(r.last == Session::Result::Ok);
    REQUIRE(server.handshake_done());
    REQUIRE(client.done());
    CHECK(server.alpn() == "h2");
    REQUIRE(client.write("hello"));
    r = pump(client, server, true);
    CHECK(r.plain == "hello");
  }
}

TEST_CASE("Session: an incomplete record is WANT_READ: Ok, nothing decrypted, until the rest arrives") {
  Fixture f;
  Session server(f.context->ctx());
  TestClient client(f.client());
  pump(client, server);
  REQUIRE(server.handshake_done());
  REQUIRE(client.write("a request split across reads"));
  std::string record = client.take_output();
  REQUIRE(record.size() > 10);
  std::string plain;
  CHECK(server.receive(record.data(), 7, plain) == Session::Result::Ok);
  CHECK(plain.empty());
  CHECK(server.receive(record.data() + 7, record.size() - 7, plain) == Session::Result::Ok);
  CHECK(plain == "a request split across reads");
}

TEST_CASE("Session: garbage is an Error with a reason, before or after the handshake") {
  Fixture f;
  {
    // A well-framed handshake record holding a ClientHello of four bytes.
    Session server(f.context->ctx());
    std::string garbage("\x16\x03\x01\x00\x08\x01\x00\x00\x04\xff\xff\xff\xff", 13);
    std::string plain;
    CHECK(server.receive(garbage.data(), garbage.size(), plain) == Session::Result::Error);
    MESSAGE("short ClientHello: " << server.error());
    CHECK(server.error().find("TLS handshake: ") == 0);
    CHECK_FALSE(server.plaintext_http());
    CHECK(server.receive("more", 4, plain) == Session::Result::Error);  // stays failed
  }
  {
    Session server(f.context->ctx());
    std::string plain;
    // Application data before any handshake.
    CHECK(server.receive("\x17\x03\x03\x00\x05hello", 10, plain) == Session::Result::Error);
    MESSAGE("data before the handshake: " << server.error());
  }
  {
    Session server(f.context->ctx());
    std::string plain;
    std::string noise(300, '\0');
    for (size_t i = 0; i < noise.size(); ++i) noise[i] = static_cast<char>(i * 37 + 11);
    CHECK(server.receive(noise.data(), noise.size(), plain) == Session::Result::Error);
    CHECK_FALSE(server.error().empty());
  }
  {
    Session server(f.context->ctx());
    TestClient client(f.client());
    pump(client, server);
    REQUIRE(server.handshake_done());
    REQUIRE(client.write("tampered"));
    std::string record = client.take_output();
    record[record.size() - 3] ^= 0x55;  // the AEAD tag no longer matches
    std::string plain;
    CHECK(server.receive(record.data(), record.size(), plain) == Session::Result::Error);
    CHECK(plain.empty());
    MESSAGE("tampered record: " << server.error());
    CHECK(server.error().find("TLS read") == 0);
  }
}

TEST_CASE("Session: a plaintext HTTP request is recognized, with no alert queued for it") {
  for (std::string request : {"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "POST /form HTTP/1.1\r\n", "HEAD / HTTP/1.0\r\n"}) {
    CAPTURE(request);
    Fixture f;
    Session server(f.context->ctx());
    std::string plain;
    Session::Result r = Session::Result::Ok;
    for (char c : request) {  // a byte at a time: the decision waits for five bytes
      r = server.receive(&c, 1, plain);
      if (r != Session::Result::Ok) break;
    }
    CHECK(r == Session::Result::Error);
    CHECK(server.plaintext_http());
    CHECK(server.output().empty());
  }
  Fixture f;
  Session server(f.context->ctx());
  std::string plain;
  server.receive("\x16\x03\x01", 3, plain);
  CHECK_FALSE(server.plaintext_http());
}

TEST_CASE("Session: 100 KiB each way, many records") {
  Fixture f;
  Session server(f.context->ctx());
  TestClient client(f.client());
  pump(client, server);
  REQUIRE(server.handshake_done());

  std::string big(100 * 1024, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
  REQUIRE(server.send(big.data(), big.size()) == Session::Result::Ok);
  CHECK(server.output().size() > big.size());  // 7 records' headers and tags
  pump(client, server);
  CHECK(client.received() == big);

  REQUIRE(client.write(big));
  PumpResult r = pump(client, server);
  CHECK(r.plain == big);
}

TEST_CASE("Session: close_notify from the client is Closed; shutdown() answers with one") {
  Fixture f;
  Session server(f.context->ctx());
  TestClient client(f.client());
  pump(client, server);
  REQUIRE(server.handshake_done());
  REQUIRE(client.write("last words"));
  SSL_shutdown(client.ssl());
  std::string bytes = client.take_output();
  std::string plain;
  CHECK(server.receive(bytes.data(), bytes.size(), plain) == Session::Result::Closed);
  CHECK(plain == "last words");
  CHECK(server.receive("x", 1, plain) == Session::Result::Closed);
  // Half-closed: the reply still goes out, then our close_notify.
  CHECK(server.send("bye", 3) == Session::Result::Ok);
  server.shutdown();
  client.feed(server.output());
  server.output().clear();
  client.step();
  CHECK(client.received() == "bye");
  CHECK(client.closed_by_peer());
  server.shutdown();  // once only
  CHECK(server.output().empty());
}

TEST_CASE("Session: TLS 1.2 renegotiation is refused without harm") {
  Fixture f;
  Session server(f.context->ctx());
  ClientOptions o = f.client();
  o.max_version = TLS1_2_VERSION;
  TestClient client(o);
  pump(client, server);
  REQUIRE(server.handshake_done());
  REQUIRE(SSL_renegotiate(client.ssl()) == 1);
  SSL_do_handshake(client.ssl());
  PumpResult r = pump(client, server);
  // OpenSSL answers the new ClientHello with a no_renegotiation alert; the client gives up on the
  // connection with a fatal alert, which ends the server's side too.
  CHECK(client.failed());
  CHECK(r.last == Session::Result::Error);
  CHECK(SSL_num_renegotiations(client.ssl()) <= 1);
  MESSAGE("server: " << server.error() << " / client: " << client.error());
}

TEST_CASE("Session: send before the handshake, and variables before it, are refused quietly") {
  Fixture f;
  Session server(f.context->ctx());
  CHECK(server.send("x", 1) == Session::Result::Error);
  CHECK(server.variables().empty());
  server.shutdown();
  CHECK(server.output().empty());
}

TEST_CASE("Session: outlives its ServerContext (a reload while handshaking)") {
  Fixture f;
  auto server = std::make_unique<Session>(f.context->ctx());
  f.context.reset();  // before the ClientHello: its callbacks must still find the policies
  TestClient client(f.client({"h2"}));
  PumpResult r = pump(client, *server);
  CHECK(r.last == Session::Result::Ok);
  CHECK(server->handshake_done());
  CHECK(server->alpn() == "h2");
  CHECK(server->server_name() == "example.com");
}
