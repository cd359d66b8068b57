// Challenges (the answers the server gives while a CA validates) and the RFC 8737 TLS-ALPN-01
// certificate, read back with OpenSSL.
#include <doctest/doctest.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <thread>
#include <vector>

#include "tls/challenges.h"

using pogo::tls::Challenges;

TEST_CASE("Challenges: HTTP-01 answers by token and by request path, until removed") {
  Challenges c;
  CHECK(c.size() == 0);
  CHECK_FALSE(c.http01("tok").has_value());
  c.put_http01("tok", "tok.thumb");
  CHECK(c.http01("tok") == "tok.thumb");
  CHECK(c.http01_for_path("/.well-known/acme-challenge/tok") == "tok.thumb");
  CHECK_FALSE(c.http01_for_path("/.well-known/acme-challenge/other").has_value());
  CHECK_FALSE(c.http01_for_path("/tok").has_value());
  CHECK_FALSE(c.http01_for_path("/.well-known/acme-challenge/").has_value());
  CHECK(c.size() == 1);
  c.remove_http01("tok");
  c.remove_http01("never-there");
  CHECK_FALSE(c.http01("tok").has_value());
  CHECK(c.size() == 0);
}

TEST_CASE("Challenges: TLS-ALPN-01 certificates by SNI name, case-insensitive") {
  Challenges c;
  auto cert = pogo::tls::make_tls_alpn01_certificate("a.pogo.test", "tok.thumb");
  c.put_tls_alpn01("A.Pogo.Test", cert);
  CHECK(c.tls_alpn01("a.pogo.test") == cert);
  CHECK(c.tls_alpn01("A.POGO.TEST") == cert);
  CHECK(c.tls_alpn01("b.pogo.test") == nullptr);
  c.remove_tls_alpn01("a.POGO.test");
  CHECK(c.tls_alpn01("a.pogo.test") == nullptr);
}

TEST_CASE("tls_alpn01_sni_name: DNS names lower-cased, IP addresses as their reverse names (RFC 8738)") {
  CHECK(pogo::tls::tls_alpn01_sni_name("A.Pogo.Test") == "a.pogo.test");
  CHECK(pogo::tls::tls_alpn01_sni_name("127.0.0.1") == "1.0.0.127.in-addr.arpa");
  CHECK(pogo::tls::tls_alpn01_sni_name("2001:db8::1") ==
        "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
}

TEST_CASE(
    "make_tls_alpn01_certificate: self-signed, SAN = the name, critical acmeIdentifier = SHA-256(key authorization)") {
  const std::string key_authorization = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA.thumbprint";
  auto ck = pogo::tls::make_tls_alpn01_certificate("a.pogo.test", key_authorization);
  REQUIRE(ck);
  X509* x = ck->leaf;
  REQUIRE(x);
  CHECK(ck->chain.empty());
  CHECK(X509_check_private_key(x, ck->key) == 1);
  CHECK(X509_verify(x, X509_get0_pubkey(x)) == 1);  // self-signed
  CHECK(X509_check_host(x, "a.pogo.test", 0, 0, nullptr) == 1);
  CHECK(X509_check_host(x, "b.pogo.test", 0, 0, nullptr) != 1);
  CHECK(ck->names == std::vector<std::string>{"a.pogo.test"});
  CHECK(ck->not_before < std::chrono::system_clock::now());
  CHECK(ck->not_after > std::chrono::system_clock::now());

  ASN1_OBJECT* oid = OBJ_txt2obj("1.3.6.1.5.5.7.1.31", 1);
  int at = X509_get_ext_by_OBJ(x, oid, -1);
  ASN1_OBJECT_free(oid);
  REQUIRE(at >= 0);
  X509_EXTENSION* ext = X509_get_ext(x, at);
  CHECK(X509_EXTENSION_get_critical(ext) == 1);
  ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(ext);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(key_authorization.data()), key_authorization.size(), digest);
  std::string expected = std::string("\x04\x20", 2) + std::string(reinterpret_cast<char*>(digest), sizeof digest);
  CHECK(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)), ASN1_STRING_length(data)) == expected);

  // Only the one SAN.
  auto* sans = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(x, NID_subject_alt_name, nullptr, nullptr));
  REQUIRE(sans);
  CHECK(sk_GENERAL_NAME_num(sans) == 1);
  GENERAL_NAMES_free(sans);
}

TEST_CASE("make_tls_alpn01_certificate: an IP identifier's SAN is an iPAddress") {
  auto ck = pogo::tls::make_tls_alpn01_certificate("127.0.0.1", "k.a");
  CHECK(X509_check_ip_asc(ck->leaf, "127.0.0.1", 0) == 1);
  CHECK(X509_check_host(ck->leaf, "127.0.0.1", 0, 0, nullptr) != 1);
}

TEST_CASE("Challenges: loop threads read while the ACME thread writes") {
  Challenges c;
  auto cert = pogo::tls::make_tls_alpn01_certificate("x.pogo.test", "k.a");
  std::atomic<bool> stop{false};
  std::atomic<long> hits{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 3; ++i)
    readers.emplace_back([&] {
      while (!stop) {
        if (auto v = c.http01("t"); v && *v == "t.k") ++hits;
        if (auto k = c.tls_alpn01("x.pogo.test"); k) CHECK(k->leaf != nullptr);
      }
    });
  for (int i = 0; i < 2000; ++i) {
    c.put_http01("t", "t.k");
    c.put_tls_alpn01("x.pogo.test", cert);
    c.remove_http01("t");
    c.remove_tls_alpn01("x.pogo.test");
  }
  stop = true;
  for (auto& t : readers) t.join();
  CHECK(c.size() == 0);
}
