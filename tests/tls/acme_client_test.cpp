// AcmeClient end to end against pebble: accounts, HTTP-01 and TLS-ALPN-01 orders answered by real
// responders on loopback, renewal, a refused validation, badNonce. Every test starts its own
// pebble (a second or so) so that no state or nonce setting leaks between tests.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "pebble_harness.h"
#include "tls/acme_client.h"
#include "tls/error.h"

using pebble_test::check_issued;
using pebble_test::Pebble;
using pogo::tls::AccountKey;
using pogo::tls::AcmeClient;
using pogo::tls::AcmeOptions;
using pogo::tls::Challenges;

namespace {

AcmeOptions options_for(const Pebble& pebble) {
  AcmeOptions o;
  o.directory_url = pebble.directory_url();
  o.trusted_roots = {pebble.ca_root_file()};
  o.email = "ops@pogo.test";
  o.poll_initial = std::chrono::milliseconds(50);  // pebble validates in milliseconds
  o.order_timeout = std::chrono::seconds(60);
  return o;
}

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const pogo::tls::Error& e) {
    return e.what();
  }
  return "(no tls::Error thrown)";
}

}  // namespace

TEST_CASE("ACME account: created once per key, found again by the same key, another key is another account") {
  Pebble pebble;
  Challenges challenges;
  AccountKey key = AccountKey::generate();

  AcmeClient first(options_for(pebble), key, challenges);
  const auto& a = first.account();
  CHECK(a.created);
  CHECK(a.url.rfind("https://127.0.0.1:" + std::to_string(pebble.listen_port()), 0) == 0);
  CHECK(a.object["status"] == "valid");
  CHECK(a.object["contact"][0] == "mailto:ops@pogo.test");

  // The key as it would come back from storage.
  AcmeClient again(options_for(pebble), AccountKey::from_pem(key.to_pem(), "stored"), challenges);
  CHECK_FALSE(again.account().created);
  CHECK(again.account().url == a.url);

  AcmeClient other(options_for(pebble), AccountKey::generate(), challenges);
  CHECK(other.account().created);
  CHECK(other.account().url != a.url);
}

TEST_CASE("ACME HTTP-01: a.pogo.test issued through the HTTP responder; the chain verifies to pebble's root") {
  Pebble pebble;
  Challenges challenges;
  pebble_test::Http01Responder http(challenges, pebble.http_port());
  AcmeClient client(options_for(pebble), AccountKey::generate(), challenges);

  pogo::tls::IssuedCertificate issued = client.obtain({"a.pogo.test"});
  CHECK(check_issued(issued, pebble.issuance_root_pem(), {"a.pogo.test"}) == "");
  CHECK(issued.key_pem.rfind("-----BEGIN PRIVATE KEY-----", 0) == 0);
  CHECK(http.answered() >= 1);
  CHECK(challenges.size() == 0);  // withdrawn once the order is done
}

TEST_CASE("ACME TLS-ALPN-01: with the HTTP challenge disabled, the acme-tls/1 responder proves the name") {
  Pebble pebble;
  Challenges challenges;
  pebble_test::TlsAlpnResponder tls(challenges, pebble.tls_port());
  AcmeOptions o = options_for(pebble);
  o.disable_http_challenge = true;
  AcmeClient client(o, AccountKey::generate(), challenges);

  pogo::tls::IssuedCertificate issued = client.obtain({"alpn.pogo.test"});
  CHECK(check_issued(issued, pebble.issuance_root_pem(), {"alpn.pogo.test"}) == "");
  CHECK(tls.answered() >= 1);
  CHECK(challenges.size() == 0);
}

TEST_CASE("ACME fallback: port 80 unanswered, a second order succeeds with TLS-ALPN-01") {
  Pebble pebble;
  Challenges challenges;
  pebble_test::TlsAlpnResponder tls(challenges, pebble.tls_port());  // nothing on pebble's httpPort
  AcmeClient client(options_for(pebble), AccountKey::generate(), challenges);

  pogo::tls::IssuedCertificate issued = client.obtain({"fallback.pogo.test"});
  CHECK(check_issued(issued, pebble.issuance_root_pem(), {"fallback.pogo.test"}) == "");
  CHECK(tls.answered() >= 1);
  CHECK(challenges.size() == 0);
}

TEST_CASE("ACME: several names and an IP address in one certificate") {
  Pebble pebble;
  Challenges challenges;
  pebble_test::Http01Responder http(challenges, pebble.http_port());
  AcmeClient client(options_for(pebble), AccountKey::generate(), challenges);

  std::vector<std::string> names = {"b.pogo.test", "www.b.pogo.test", "127.0.0.1"};
  pogo::tls::IssuedCertificate issued = client.obtain(names);
  CHECK(check_issued(issued, pebble.issuance_root_pem(), names) == "");
  CHECK(http.answered() >= 3);
}

TEST_CASE("ACME renewal: the second order for a name is a new certificate and key on the same account") {
  Pebble pebble;
  Challenges challenges;
  pebble_test::Http01Responder http(challenges, pebble.http_port());
  pebble_test::TlsAlpnResponder tls(challenges, pebble.tls_port());
  AcmeClient client(options_for(pebble), AccountKey::generate(), challenges);

  auto first = client.obtain({"renew.pogo.test"});
  std::string account = client.account().url;
  auto second = client.obtain({"renew.pogo.test"});
  std::string root = pebble.issuance_root_pem();
  CHECK(check_issued(first, root, {"renew.pogo.test"}) == "");
  CHECK(check_issued(second, root, {"renew.pogo.test"}) == "");
  CHECK(pebble_test::leaf_serial(first.chain_pem) != pebble_test::leaf_serial(second.chain_pem));
  CHECK(first.key_pem != second.key_pem);
  CHECK(client.account().url == account);
}

TEST_CASE("ACME failure: nobody answers the challenge; the error names the domain and pebble's problem") {
  Pebble pebble;  // no responder on pebble's httpPort: its connection is refused
  Challenges challenges;
  AcmeClient client(options_for(pebble), AccountKey::generate(), challenges);

  std::string error = message_of([&] { client.obtain({"down.pogo.test"}); });
  INFO(error);
  CHECK(error.find("down.pogo.test") != std::string::npos);
  CHECK(error.find(pebble.directory_url()) != std::string::npos);
  CHECK(error.find("http-01") != std::string::npos);
  CHECK(error.find("urn:ietf:params:acme:error:connection") != std::string::npos);
  CHECK(error.find("refused") != std::string::npos);                                            // pebble's detail
  CHECK(error.find("nor with tls-alpn-01: urn:ietf:params:acme:error:") != std::string::npos);  // the second order
  CHECK(challenges.size() == 0);  // withdrawn on failure too
}

TEST_CASE("ACME failure: a wrong answer is the CA's unauthorized problem") {
  Pebble pebble;
  Challenges challenges;
  Challenges wrong;  // the responder serves another store: every token is 404
  pebble_test::Http01Responder http(wrong, pebble.http_port());
  AcmeClient client(options_for(pebble), AccountKey::generate(), challenges);

  std::string error = message_of([&] { client.obtain({"wrong.pogo.test"}); });
  INFO(error);
  CHECK(error.find("wrong.pogo.test") != std::string::npos);
  CHECK(error.find("urn:ietf:params:acme:error:unauthorized") != std::string::npos);
}

TEST_CASE("ACME: both challenges disabled is refused before anything is presented") {
  Pebble pebble;
  Challenges challenges;
  AcmeOptions o = options_for(pebble);
  o.disable_http_challenge = o.disable_tlsalpn_challenge = true;
  AcmeClient client(o, AccountKey::generate(), challenges);
  std::string error = message_of([&] { client.obtain({"none.pogo.test"}); });
  CHECK(error.find("no enabled challenge type for none.pogo.test") != std::string::npos);
  CHECK(error.find("http-01") != std::string::npos);  // what the CA offered
}

TEST_CASE("ACME badNonce: pebble rejecting 40% of good nonces still issues; the retries are counted") {
  Pebble pebble({.env = {"PEBBLE_WFE_NONCEREJECT=40"}});
  Challenges challenges;
  pebble_test::Http01Responder http(challenges, pebble.http_port());
  AcmeOptions o = options_for(pebble);
  // 0.4^21: a request rejected 21 times in a row would be a one-in-200-million event.
  o.max_bad_nonce_retries = 20;
  AcmeClient client(o, AccountKey::generate(), challenges);
  // Two orders: ~20 POSTs, so the chance that pebble rejected none is 0.6^20, about 4e-5.
  auto a = client.obtain({"nonce1.pogo.test"});
  auto b = client.obtain({"nonce2.pogo.test"});
  std::string root = pebble.issuance_root_pem();
  CHECK(check_issued(a, root, {"nonce1.pogo.test"}) == "");
  CHECK(check_issued(b, root, {"nonce2.pogo.test"}) == "");
  CHECK(client.bad_nonce_retries() > 0);
}

TEST_CASE("ACME badNonce: past the retry limit the CA's badNonce problem is the error") {
  Pebble pebble({.env = {"PEBBLE_WFE_NONCEREJECT=100"}});
  Challenges challenges;
  AcmeOptions o = options_for(pebble);
  o.max_bad_nonce_retries = 2;
  AcmeClient client(o, AccountKey::generate(), challenges);
  std::string error = message_of([&] { client.account(); });
  CHECK(error.find("urn:ietf:params:acme:error:badNonce") != std::string::npos);
  CHECK(client.bad_nonce_retries() == 2);
}

TEST_CASE("ACME cancel: another thread stops an order while the CA is still validating") {
  Pebble pebble;
  Challenges challenges;
  // A listener that never accepts: pebble's HTTP-01 validation connects and then waits for an
  // answer, so the authorization stays pending and the client sits in its poll wait.
  int silent = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(pebble.http_port()));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(silent, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(listen(silent, 8) == 0);

  AcmeOptions o = options_for(pebble);
  o.poll_initial = o.poll_max = std::chrono::seconds(60);  // only cancel() can end the wait early
  AcmeClient client(o, AccountKey::generate(), challenges);
  client.account();
  auto started = std::chrono::steady_clock::now();
  std::thread canceller([&] {
    pollfd p{silent, POLLIN, 0};
    poll(&p, 1, 30000);  // pebble has connected: the challenge was responded to
    client.cancel();
  });
  std::string error = message_of([&] { client.obtain({"cancel.pogo.test"}); });
  INFO(error);
  canceller.join();
  close(silent);
  CHECK(error.find("cancelled") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(30));
  CHECK(challenges.size() == 0);
}
