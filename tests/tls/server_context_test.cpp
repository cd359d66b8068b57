// tls::ServerContext: which site policy and certificate a ClientHello gets, what each option
// changes on the wire, configuration errors, client certificates, resumption and ACME's
// TLS-ALPN-01 handshakes — each against a real OpenSSL client in memory.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "tests/tls/test_certs.h"
#include "tests/tls/test_client.h"
#include "tls/error.h"
#include "tls/server_context.h"
#include "tls/session.h"

using pogo::tls::CertificateSource;
using pogo::tls::CertifiedKey;
using pogo::tls::ClientAuth;
using pogo::tls::FixedCertificates;
using pogo::tls::ServerContext;
using pogo::tls::Session;
using pogo::tls::SitePolicy;
using namespace pogo::tls::testing;

namespace {

SitePolicy policy(std::vector<std::string> names) {
  SitePolicy p;
  p.names = std::move(names);
  return p;
}

ClientOptions client_for(const TestCa& ca, const std::string& sni) {
  ClientOptions o;
  o.sni = sni;
  o.trusted_ca_pem = ca.cert_pem();
  return o;
}

// Handshakes a fresh client against `context`; true when both sides finished.
bool connects(ServerContext& context, const ClientOptions& o, Session** out = nullptr) {
  static std::unique_ptr<Session> last;
  last = std::make_unique<Session>(context.ctx());
  TestClient client(o);
  pump(client, *last);
  if (out) *out = last.get();
  return client.done() && last->handshake_done();
}

std::string value_of(const std::vector<std::pair<std::string, std::string>>& vars, const std::string& name) {
  for (const auto& [k, v] : vars)
    if (k == name) return v;
  return "<unset>";
}

// A directory of its own under /tmp, removed at the end of the test.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    char tmpl[] = "/tmp/pogo-tls-test-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name) << text;
    return (path / name).string();
  }
};

}  // namespace

TEST_CASE("name_matches: exact names, and wildcards of exactly one label") {
  using pogo::tls::name_matches;
  CHECK(name_matches("example.com", "example.com"));
  CHECK(name_matches("Example.COM", "example.com"));
  CHECK(name_matches("*.example.com", "a.example.com"));
  CHECK_FALSE(name_matches("*.example.com", "a.b.example.com"));
  CHECK_FALSE(name_matches("*.example.com", "example.com"));
  CHECK_FALSE(name_matches("*.example.com", ".example.com"));
  CHECK_FALSE(name_matches("example.com", "a.example.com"));
}

TEST_CASE("ServerContext: SNI picks the certificate: exact, wildcard, default, none sent") {
  TestCa ca;
  auto certs = std::make_shared<FixedCertificates>();
  certs->add(ca.issue({"a.example.com"}).certified());
  certs->add(ca.issue({"*.wild.example.com"}).certified());
  certs->set_default(ca.issue({"default.example.com"}).certified());
  ServerContext context({SitePolicy{}}, certs);

  struct Case {
    std::string sni, covered;
  };
  for (const Case& c : {Case{"a.example.com", "a.example.com"}, Case{"A.Example.Com", "a.example.com"},
                        Case{"x.wild.example.com", "x.wild.example.com"},
                        Case{"unknown.org", "default.example.com"}, Case{"", "default.example.com"}}) {
    CAPTURE(c.sni);
    Session server(context.ctx());
    TestClient client(client_for(ca, c.sni));
    pump(client, server);
    REQUIRE(client.done());
    CHECK(client.server_certificate_covers(c.covered));
    std::string lowered = c.sni;
    for (char& ch : lowered) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    CHECK(server.server_name() == lowered);
  }
}

TEST_CASE("ServerContext: no certificate for the name, or no policy for it, fails the handshake") {
  TestCa ca;
  auto certs = std::make_shared<FixedCertificates>();
  certs->add(ca.issue({"a.example.com"}).certified());
  {
    ServerContext context({SitePolicy{}}, certs);
    CHECK(connects(context, client_for(ca, "a.example.com")));
    CHECK_FALSE(connects(context, client_for(ca, "b.example.com")));
  }
  certs->set_default(ca.issue({"default.example.com"}).certified());
  ServerContext strict({policy({"a.example.com"})}, certs);  // no default policy
  CHECK(connects(strict, client_for(ca, "a.example.com")));
  CHECK_FALSE(connects(strict, client_for(ca, "b.example.com")));
  CHECK_FALSE(connects(strict, client_for(ca, "")));
}

TEST_CASE("ServerContext: protocols per site: a tls1.3-only site refuses a TLS 1.2 client") {
  TestCa ca;
  auto certs = std::make_shared<FixedCertificates>();
  certs->set_default(ca.issue({"modern.example.com", "legacy.example.com"}).certified());
  SitePolicy modern = policy({"modern.example.com"});
  modern.min_version = "tls1.3";
  SitePolicy legacy = policy({"legacy.example.com"});
  legacy.max_version = "tls1.2";
  ServerContext context({modern, legacy, SitePolicy{}}, certs);

  ClientOptions old_client = client_for(ca, "modern.example.com");
  old_client.max_version = TLS1_2_VERSION;
  Session* s = nullptr;
  CHECK_FALSE(connects(context, old_client, &s));
  MESSAGE("tls1.2 client on a tls1.3 site: " << s->error());
  CHECK(connects(context, client_for(ca, "modern.example.com"), &s));
  CHECK(value_of(s->variables(), "SSL_PROTOCOL") == "TLSv1.3");

  CHECK(connects(context, client_for(ca, "legacy.example.com"), &s));
  CHECK(value_of(s->variables(), "SSL_PROTOCOL") == "TLSv1.2");
  old_client.sni = "other.example.com";  // the default policy allows 1.2
  CHECK(connects(context, old_client, &s));
}

TEST_CASE("ServerContext: ciphers and curves take effect") {
  TestCa ca;
  auto certs = std::make_shared<FixedCertificates>();
  certs->set_default(ca.issue({"example.com"}).certified());
  SitePolicy p;
  p.ciphers = {"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256"};
  p.curves = {"secp384r1"};
  ServerContext context({p}, certs);

  ClientOptions tls12 = client_for(ca, "example.com");
  tls12.max_version = TLS1_2_VERSION;
  Session* s = nullptr;
  REQUIRE(connects(context, tls12, &s));
  CHECK(value_of(s->variables(), "SSL_CIPHER") == "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256");
  tls12.ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256";  // not among the site's
  CHECK_FALSE(connects(context, tls12, &s));

  ClientOptions tls13 = client_for(ca, "example.com");
  tls13.groups = "X25519:P-384";
  REQUIRE(connects(context, tls13, &s));
  tls13.groups = "X25519";  // the site offers P-384 only
  CHECK_FALSE(connects(context, tls13, &s));

  // The curve really used: a TLS 1.3 client offering both gets P-384.
  tls13.groups = "X25519:P-384";
  Session server(context.ctx());
  TestClient client(tls13);
  pump(client, server);
  REQUIRE(client.done());
  CHECK(SSL_get_negotiated_group(client.ssl()) == NID_secp384r1);
}

TEST_CASE("ServerContext: wrong options are errors naming the site and the option") {
  auto certs = std::make_shared<FixedCertificates>();
  struct Case {
    SitePolicy policy;
    std::string message;
  };
  SitePolicy bad_cipher = policy({"example.com"});
  bad_cipher.ciphers = {"TLS_RSA_WITH_RC4_128_SHA"};
  SitePolicy bad_curve = policy({"example.com", "www.example.com"});
  bad_curve.curves = {"x25519", "curve448"};
  SitePolicy bad_min;
  bad_min.min_version = "tls1.1";
  SitePolicy inverted = policy({"example.com"});
  inverted.min_version = "tls1.3";
  inverted.max_version = "tls1.2";
  SitePolicy bad_mode = policy({"example.com"});
  bad_mode.client_auth = ClientAuth{"always", {}};
  SitePolicy verify_without_ca = policy({"example.com"});
  verify_without_ca.client_auth = ClientAuth{"require_and_verify", {}};
  SitePolicy missing_ca = policy({"example.com"});
  missing_ca.client_auth = ClientAuth{"", {"/nonexistent/ca.pem"}};
  const Case cases[] = {
      {bad_cipher,
       "site example.com: tls ciphers: unknown cipher suite 'TLS_RSA_WITH_RC4_128_SHA' (supported: "
       "TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256 "
       "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 "
       "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 "
       "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 "
       "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA "
       "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA TLS_RSA_WITH_AES_128_GCM_SHA256 TLS_RSA_WITH_AES_256_GCM_SHA384 "
       "TLS_RSA_WITH_AES_256_CBC_SHA TLS_RSA_WITH_AES_128_CBC_SHA)"},
      {bad_curve,
       "site example.com www.example.com: tls curves: unknown curve 'curve448' (supported: x25519 secp256r1 "
       "secp384r1 secp521r1)"},
      {bad_min, "the default TLS policy: tls protocols: unsupported version 'tls1.1' (tls1.2 or tls1.3 expected)"},
      {inverted, "site example.com: tls protocols: the minimum tls1.3 is above the maximum tls1.2"},
      {bad_mode,
       "site example.com: tls client_auth: unknown mode 'always' (request, require, verify_if_given or "
       "require_and_verify expected)"},
      {verify_without_ca, "site example.com: tls client_auth: mode require_and_verify needs trusted CA certificates"},
      {missing_ca,
       "site example.com: tls client_auth: trusted CA certificate file /nonexistent/ca.pem: No such file or "
       "directory"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.message);
    try {
      ServerContext context({c.policy}, certs);
      FAIL("no error");
    } catch (const pogo::tls::Error& e) {
      CHECK(std::string(e.what()) == c.message);
    }
  }
}

TEST_CASE("ServerContext: client_auth require_and_verify") {
  TestCa ca("Server CA");
  TestCa client_ca("Client CA");
  TempDir dir;
  auto certs = std::make_shared<FixedCertificates>();
  certs->set_default(ca.issue({"secure.example.com"}).certified());
  SitePolicy secure = policy({"secure.example.com"});
  secure.client_auth = ClientAuth{"", {dir.write("clients.pem", client_ca.cert_pem())}};  // default: require_and_verify
  ServerContext context({secure}, certs);

  Session* s = nullptr;
  CHECK_FALSE(connects(context, client_for(ca, "secure.example.com"), &s));
  MESSAGE("no certificate: " << s->error());

  ClientOptions stranger = client_for(ca, "secure.example.com");
  stranger.certificate = self_signed({}, CertOptions{.common_name = "mallory", .client = true});
  CHECK_FALSE(connects(context, stranger, &s));
  MESSAGE("self-signed certificate: " << s->error());

  for (int version : {TLS1_3_VERSION, TLS1_2_VERSION}) {
    CAPTURE(version);
    ClientOptions member = client_for(ca, "secure.example.com");
    member.max_version = version;
    member.certificate = client_ca.issue({}, CertOptions{.common_name = "alice", .client = true});
    REQUIRE(connects(context, member, &s));
    auto vars = s->variables();
    CHECK(value_of(vars, "SSL_CLIENT_VERIFY") == "SUCCESS");
    CHECK(value_of(vars, "SSL_CLIENT_S_DN") == "CN=alice,O=Pogo tests");
    CHECK(value_of(vars, "SSL_CLIENT_S_DN_CN") == "alice");
    CHECK(value_of(vars, "SSL_CLIENT_I_DN") == "CN=Client CA,O=Pogo tests");
    CHECK(value_of(vars, "SSL_CLIENT_M_SERIAL").size() == 32);
    CHECK(value_of(vars, "SSL_CLIENT_V_END").ends_with(" GMT"));
    CHECK(value_of(vars, "SSL_CLIENT_CERT").starts_with("-----BEGIN CERTIFICATE-----\n"));
  }
}

TEST_CASE("ServerContext: client_auth request and verify_if_given") {
  TestCa ca;
  TestCa client_ca("Client CA");
  TempDir dir;
  auto certs = std::make_shared<FixedCertificates>();
  certs->set_default(ca.issue({"a.example.com", "b.example.com"}).certified());
  SitePolicy request = policy({"a.example.com"});
  request.client_auth = ClientAuth{"request", {}};
  SitePolicy if_given = policy({"b.example.com"});
  if_given.client_auth = ClientAuth{"verify_if_given", {dir.write("ca.pem", client_ca.cert_pem())}};
  ServerContext context({request, if_given}, certs);

  Session* s = nullptr;
  CHECK(connects(context, client_for(ca, "a.example.com"), &s));
  CHECK(value_of(s->variables(), "SSL_CLIENT_VERIFY") == "<unset>");
  ClientOptions with_cert = client_for(ca, "a.example.com");
  with_cert.certificate = self_signed({}, CertOptions{.common_name = "bob", .client = true});
  REQUIRE(connects(context, with_cert, &s));
  CHECK(value_of(s->variables(), "SSL_CLIENT_VERIFY") == "GENEROUS");  // taken unverified

  CHECK(connects(context, client_for(ca, "b.example.com"), &s));
  with_cert.sni = "b.example.com";
  CHECK_FALSE(connects(context, with_cert, &s));  // given, so verified: unknown issuer
  with_cert.certificate = client_ca.issue({}, CertOptions{.common_name = "carol", .client = true});
  REQUIRE(connects(context, with_cert, &s));
  CHECK(value_of(s->variables(), "SSL_CLIENT_VERIFY") == "SUCCESS");
}

TEST_CASE("ServerContext: ALPN acme-tls/1 is answered with the challenge certificate only while one is pending") {
  TestCa ca;
  struct Source : CertificateSource {
    std::shared_ptr<const CertifiedKey> normal, challenge;
    std::shared_ptr<const CertifiedKey> certificate_for(std::string_view) override { return normal; }
    std::shared_ptr<const CertifiedKey> acme_tls_alpn_certificate(std::string_view name) override {
      return name == "pending.example.com" ? challenge : nullptr;
    }
  };
  auto source = std::make_shared<Source>();
  source->normal = ca.issue({"pending.example.com", "other.example.com"}).certified();
  source->challenge = self_signed({"pending.example.com"}, CertOptions{.common_name = "ACME challenge"}).certified();
  ServerContext context({SitePolicy{}}, source);

  auto peer_cn = [](SSL* ssl) {
    char cn[128] = {};
    X509_NAME_get_text_by_NID(X509_get_subject_name(SSL_get0_peer_certificate(ssl)), NID_commonName, cn, sizeof cn);
    return std::string(cn);
  };
  {
    ClientOptions validator;  // a CA's validation: no verification, acme-tls/1 only
    validator.sni = "pending.example.com";
    validator.alpn = {"acme-tls/1"};
    Session server(context.ctx());
    TestClient client(validator);
    pump(client, server);
    REQUIRE(client.done());
    CHECK(server.alpn() == "acme-tls/1");
    CHECK(peer_cn(client.ssl()) == "ACME challenge");
  }
  {
    ClientOptions browser = client_for(ca, "pending.example.com");
    browser.alpn = {"h2", "http/1.1"};
    Session server(context.ctx());
    TestClient client(browser);
    pump(client, server);
    REQUIRE(client.done());
    CHECK(server.alpn() == "h2");
    CHECK(peer_cn(client.ssl()) == "pending.example.com");
  }
  {
    ClientOptions validator;
    validator.sni = "other.example.com";  // nothing pending for it
    validator.alpn = {"acme-tls/1"};
    Session server(context.ctx());
    TestClient client(validator);
    PumpResult r = pump(client, server);
    CHECK_FALSE(client.done());
    CHECK(r.last == Session::Result::Error);
  }
}

TEST_CASE("ServerContext: a CertificateSource that throws fails that handshake only") {
  TestCa ca;
  struct Throwing : CertificateSource {
    std::shared_ptr<const CertifiedKey> good;
    std::shared_ptr<const CertifiedKey> certificate_for(std::string_view name) override {
      if (name == "broken.example.com") throw std::runtime_error("storage unreadable");
      return good;
    }
  };
  auto source = std::make_shared<Throwing>();
  source->good = ca.issue({"fine.example.com"}).certified();
  ServerContext context({SitePolicy{}}, source);
  CHECK_FALSE(connects(context, client_for(ca, "broken.example.com")));
  CHECK(connects(context, client_for(ca, "fine.example.com")));
}

TEST_CASE("ServerContext: without SNI, the local IP the Session was given chooses site and certificate") {
  TestCa ca;
  auto certs = std::make_shared<FixedCertificates>();
  certs->add(ca.issue({"127.0.0.1", "::1"}).certified());
  ServerContext context({policy({"127.0.0.1", "::1"})}, certs);  // no default policy
  for (std::string ip : {"127.0.0.1", "::1"}) {
    CAPTURE(ip);
    Session server(context.ctx(), ip);
    TestClient client(client_for(ca, ""));
    pump(client, server);
    REQUIRE(client.done());
    CHECK(client.server_certificate_covers(ip));
    CHECK(server.server_name().empty());  // the SNI, which there was none of
  }
  Session server(context.ctx());  // no local IP known: nothing matches
  TestClient client(client_for(ca, ""));
  pump(client, server);
  CHECK_FALSE(client.done());
}

TEST_CASE("ServerContext: a HelloRetryRequest (the client guessed another key share) keeps the choice") {
  TestCa ca;
  auto certs = std::make_shared<FixedCertificates>();
  certs->set_default(ca.issue({"example.com"}).certified());
  SitePolicy p = policy({"example.com"});
  p.curves = {"secp256r1"};
  ServerContext context({p}, certs);
  ClientOptions o = client_for(ca, "example.com");
  o.groups = "X25519:P-256";  // a key share for X25519 only: the server asks again for P-256
  Session server(context.ctx());
  TestClient client(o);
  int client_hellos = 0;
  SSL_set_msg_callback(client.ssl(), [](int write, int, int type, const void* buf, size_t len, SSL*, void* arg) {
    if (write && type == SSL3_RT_HANDSHAKE && len > 0 && static_cast<const unsigned char*>(buf)[0] == SSL3_MT_CLIENT_HELLO)
      ++*static_cast<int*>(arg);
  });
  SSL_set_msg_callback_arg(client.ssl(), &client_hellos);
  pump(client, server);
  REQUIRE(client.done());
  CHECK(client_hellos == 2);
  CHECK(SSL_get_negotiated_group(client.ssl()) == NID_X9_62_prime256v1);
  CHECK(server.server_name() == "example.com");
}
