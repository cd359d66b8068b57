// Certificate files and CertifiedKey::from_pem: what is read from a good pair, and the exact
// message an operator sees for each kind of mistake.
#include <doctest/doctest.h>
#include <openssl/err.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/tls/test_certs.h"
#include "tls/certificate_files.h"
#include "tls/certified_key.h"
#include "tls/error.h"

using pogo::tls::CertifiedKey;
using pogo::tls::load_certificate_files;
using namespace pogo::tls::testing;

namespace {

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    char tmpl[] = "/tmp/pogo-certfiles-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name) << text;
    return (path / name).string();
  }
  std::string at(const std::string& name) const { return (path / name).string(); }
};

std::string error_of(const std::string& cert, const std::string& key) {
  try {
    load_certificate_files(cert, key);
    return "<no error>";
  } catch (const pogo::tls::Error& e) {
    return e.what();
  }
}

}  // namespace

TEST_CASE("load_certificate_files: a leaf and its chain, names and validity") {
  TestCa ca;
  KeyPair leaf = ca.issue({"example.com", "WWW.Example.com", "127.0.0.1", "::1"});
  TempDir dir;
  std::string cert = dir.write("cert.pem", leaf.cert_pem + ca.cert_pem());
  std::string key = dir.write("key.pem", leaf.key_pem);
  auto ck = load_certificate_files(cert, key);
  REQUIRE(ck);
  CHECK(ck->names == std::vector<std::string>{"example.com", "www.example.com", "127.0.0.1", "::1"});
  REQUIRE(ck->chain.size() == 1);
  CHECK(X509_cmp(ck->chain[0], ca.cert()) == 0);
  auto now = std::chrono::system_clock::now();
  CHECK(ck->not_before < now);
  CHECK(ck->not_after > now + std::chrono::hours(24 * 29));
  CHECK(ck->not_after < now + std::chrono::hours(24 * 31));
}

TEST_CASE("load_certificate_files: each mistake named with its file") {
  TestCa ca;
  KeyPair pair = ca.issue({"example.com"});
  KeyPair other = ca.issue({"example.com"});
  TempDir dir;
  std::string cert = dir.write("cert.pem", pair.cert_pem);
  std::string key = dir.write("key.pem", pair.key_pem);
  std::string other_key = dir.write("other.key", other.key_pem);
  std::string garbage = dir.write("garbage.pem", "this is not PEM\n");
  std::string key_as_cert = dir.write("swapped.pem", pair.key_pem);
  std::string missing = dir.at("missing.pem");
  std::string directory = dir.path.string();

  struct Case {
    std::string cert, key, message;
  };
  const Case cases[] = {
      {missing, key, "certificate file " + missing + ": No such file or directory"},
      {cert, missing, "key file " + missing + ": No such file or directory"},
      {directory, key, "certificate file " + directory + ": Is a directory"},
      {cert, directory, "key file " + directory + ": Is a directory"},
      {garbage, key, "certificate file " + garbage + ": no certificate found (PEM expected)"},
      {key_as_cert, key, "certificate file " + key_as_cert + ": no certificate found (PEM expected)"},
      {cert, garbage, "key file " + garbage + ": no private key found (PEM expected)"},
      {cert, cert, "key file " + cert + ": no private key found (PEM expected)"},
      {cert, other_key, "the private key in " + other_key + " does not belong to the certificate in " + cert},
  };
  for (const Case& c : cases) {
    CAPTURE(c.message);
    CHECK(error_of(c.cert, c.key) == c.message);
  }
  CHECK(error_of(cert, key) == "<no error>");
}

TEST_CASE("CertifiedKey::from_pem: messages name the source; RSA keys; a combined PEM") {
  TestCa ca;
  KeyPair rsa = ca.issue({"rsa.example.com"}, CertOptions{.key = KeyType::Rsa2048});
  auto ck = CertifiedKey::from_pem(rsa.cert_pem, rsa.key_pem, "rsa test");
  CHECK(EVP_PKEY_is_a(ck->key, "RSA") == 1);
  CHECK(ck->names == std::vector<std::string>{"rsa.example.com"});
  CHECK(ck->chain.empty());

  // Key and certificate in one text, as some tools write them.
  CHECK(CertifiedKey::from_pem(rsa.key_pem + rsa.cert_pem, rsa.key_pem + rsa.cert_pem, "combined")->leaf);

  auto error_of_pem = [](const std::string& chain, const std::string& key) {
    try {
      CertifiedKey::from_pem(chain, key, "local CA");
      return std::string("<no error>");
    } catch (const pogo::tls::Error& e) {
      return std::string(e.what());
    }
  };
  KeyPair ec = ca.issue({"ec.example.com"});
  CHECK(error_of_pem("", ec.key_pem) == "local CA: no certificate found (PEM expected)");
  CHECK(error_of_pem(ec.cert_pem, "") == "local CA: no private key found (PEM expected)");
  CHECK(error_of_pem(ec.cert_pem, rsa.key_pem) == "local CA: the private key does not belong to the certificate");
  std::string damaged = ec.cert_pem + "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
  CHECK(error_of_pem(damaged, ec.key_pem).starts_with("local CA: certificate 2 of the chain is damaged: "));

  // An encrypted key is refused at once, never by asking for a pass phrase on the terminal.
  BIO* b = BIO_new(BIO_s_mem());
  auto plain = ec.certified();
  PEM_write_bio_PKCS8PrivateKey(b, plain->key, EVP_aes_256_cbc(), nullptr, 0, nullptr, const_cast<char*>("secret"));
  char* data = nullptr;
  long len = BIO_get_mem_data(b, &data);
  std::string encrypted(data, static_cast<size_t>(len));
  BIO_free(b);
  CHECK(error_of_pem(ec.cert_pem, encrypted) ==
        "local CA: the private key is encrypted (a key without a pass phrase is expected)");
  CHECK(ERR_peek_error() == 0);  // nothing left on the thread's queue
}
