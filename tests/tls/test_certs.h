// Test certificates made on the spot with OpenSSL: a CA, leaves it signs for given names
// (server or client use), and self-signed leaves. Nothing is read from disk, nothing expires
// during a run, and every test gets keys no other test shares.
//
// Header-only because tests/tls/CMakeLists.txt compiles only *_test.cpp files; every function is
// inline so any test file may include it.
//
// Threads: any; each object is independent.
#pragma once

#include <arpa/inet.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "tls/certified_key.h"

namespace pogo::tls::testing {

enum class KeyType { EcP256, Rsa2048 };

struct CertOptions {
  KeyType key = KeyType::EcP256;
  std::string common_name;  // "" = the first name, or "Pogo test"
  bool client = false;      // extendedKeyUsage clientAuth instead of serverAuth
  long valid_from_seconds = -3600;  // relative to now
  long valid_for_seconds = 30L * 24 * 3600;
};

// A certificate and its private key, both PEM (the key PKCS#8).
struct KeyPair {
  std::string cert_pem;
  std::string key_pem;
  std::shared_ptr<const CertifiedKey> certified(const std::string& chain_pem = "") const {
    return CertifiedKey::from_pem(cert_pem + chain_pem, key_pem, "test certificate");
  }
};

namespace detail {

inline void check(bool ok, const char* step) {
  if (!ok) throw std::runtime_error(std::string("test certificate: ") + step + " failed");
}

inline EVP_PKEY* new_key(KeyType type) {
  EVP_PKEY* key = type == KeyType::EcP256 ? EVP_EC_gen("P-256") : EVP_RSA_gen(2048);
  check(key != nullptr, "key generation");
  return key;
}

inline void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  check(ext != nullptr, value.c_str());
  check(X509_add_ext(cert, ext, -1) == 1, "adding an extension");
  X509_EXTENSION_free(ext);
}

inline std::string san_list(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) {
    unsigned char ip[16];
    bool is_ip = inet_pton(AF_INET, n.c_str(), ip) == 1 || inet_pton(AF_INET6, n.c_str(), ip) == 1;
    out += (out.empty() ? "" : ",") + std::string(is_ip ? "IP:" : "DNS:") + n;
  }
  return out;
}

// A certificate for `key` signed by `issuer_key` (itself when issuer is null).
inline X509* make_cert(EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key, const std::string& cn,
                       const std::vector<std::string>& sans, bool ca, const CertOptions& opt) {
  X509* cert = X509_new();
  check(cert && X509_set_version(cert, X509_VERSION_3) == 1, "new certificate");
  unsigned char serial[16];
  check(RAND_bytes(serial, sizeof serial) == 1, "serial");
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  check(bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)), "serial");
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert), opt.valid_from_seconds);
  X509_gmtime_adj(X509_getm_notAfter(cert), opt.valid_from_seconds + opt.valid_for_seconds);
  X509_NAME* subject = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("Pogo tests"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                             0);
  check(X509_set_issuer_name(cert, issuer ? X509_get_subject_name(issuer) : subject) == 1, "issuer");
  check(X509_set_pubkey(cert, key) == 1, "public key");
  X509* signer = issuer ? issuer : cert;
  add_ext(cert, signer, NID_subject_key_identifier, "hash");
  add_ext(cert, signer, NID_authority_key_identifier, "keyid:always");
  if (ca) {
    add_ext(cert, signer, NID_basic_constraints, "critical,CA:TRUE");
    add_ext(cert, signer, NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature");
  } else {
    add_ext(cert, signer, NID_basic_constraints, "critical,CA:FALSE");
    add_ext(cert, signer, NID_ext_key_usage, opt.client ? "clientAuth" : "serverAuth");
    if (!sans.empty()) add_ext(cert, signer, NID_subject_alt_name, san_list(sans));
  }
  check(X509_sign(cert, issuer_key ? issuer_key : key, EVP_sha256()) > 0, "signing");
  return cert;
}

inline std::string cert_pem(X509* cert) {
  BIO* b = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(b, cert);
  char* data = nullptr;
  long len = BIO_get_mem_data(b, &data);
  std::string out(data, static_cast<size_t>(len));
  BIO_free(b);
  return out;
}

inline std::string key_pem(EVP_PKEY* key) {
  BIO* b = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long len = BIO_get_mem_data(b, &data);
  std::string out(data, static_cast<size_t>(len));
  BIO_free(b);
  return out;
}

inline std::string default_cn(const std::vector<std::string>& sans, const CertOptions& opt) {
  return !opt.common_name.empty() ? opt.common_name : sans.empty() ? "Pogo test" : sans.front();
}

}  // namespace detail

// A root CA that signs test leaves.
class TestCa {
 public:
  explicit TestCa(std::string common_name = "Pogo Test CA", KeyType key = KeyType::EcP256)
      : key_(detail::new_key(key), EVP_PKEY_free),
        cert_(detail::make_cert(key_.get(), nullptr, nullptr, common_name, {}, true, CertOptions{}), X509_free),
        pem_(detail::cert_pem(cert_.get())) {}

  const std::string& cert_pem() const { return pem_; }
  X509* cert() const { return cert_.get(); }

  // A leaf for `names` (DNS names and IP literals in its subjectAltName).
  KeyPair issue(const std::vector<std::string>& names, const CertOptions& opt = {}) const {
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(detail::new_key(opt.key), EVP_PKEY_free);
    std::unique_ptr<X509, decltype(&X509_free)> cert(
        detail::make_cert(key.get(), cert_.get(), key_.get(), detail::default_cn(names, opt), names, false, opt),
        X509_free);
    return {detail::cert_pem(cert.get()), detail::key_pem(key.get())};
  }

 private:
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key_;
  std::unique_ptr<X509, decltype(&X509_free)> cert_;
  std::string pem_;
};

// A self-signed leaf for `names`.
inline KeyPair self_signed(const std::vector<std::string>& names, const CertOptions& opt = {}) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(detail::new_key(opt.key), EVP_PKEY_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(
      detail::make_cert(key.get(), nullptr, nullptr, detail::default_cn(names, opt), names, false, opt), X509_free);
  return {detail::cert_pem(cert.get()), detail::key_pem(key.get())};
}

}  // namespace pogo::tls::testing
