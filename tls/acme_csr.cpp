#include "tls/acme_csr.h"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tls/error.h"

namespace pogo::tls {

namespace {

struct Parts {
  X509_REQ* req = X509_REQ_new();
  EVP_PKEY* key = nullptr;
  STACK_OF(X509_EXTENSION) * exts = sk_X509_EXTENSION_new_null();
  ~Parts() {
    X509_REQ_free(req);
    EVP_PKEY_free(key);
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
  }
};

void check(bool ok, const std::vector<std::string>& names, const char* step) {
  if (!ok) throw Error("certificate request for " + names.front() + ": " + step + ": " + take_openssl_errors());
}

}  // namespace

bool is_ip_literal(const std::string& name) {
  unsigned char buf[16];
  return inet_pton(AF_INET, name.c_str(), buf) == 1 || inet_pton(AF_INET6, name.c_str(), buf) == 1;
}

CertificateRequest make_certificate_request(const std::vector<std::string>& names) {
  if (names.empty()) throw Error("certificate request: no names");
  Parts p;
  p.key = EVP_EC_gen("P-256");
  check(p.req && p.exts && p.key, names, "new key");
  check(X509_REQ_set_version(p.req, 0) == 1, names, "version");
  // The subject is informational (CAs take the names from the SANs); a CN of the first DNS name
  // keeps older tools that print only the subject readable. 64 is the CN's ASN.1 upper bound.
  if (!is_ip_literal(names.front()) && names.front().size() <= 64) {
    X509_NAME* subject = X509_REQ_get_subject_name(p.req);
    check(X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>(names.front().c_str()), -1, -1, 0) == 1,
          names, "subject");
  }
  std::string sans;
  for (const std::string& n : names) {
    if (!sans.empty()) sans += ',';
    sans += (is_ip_literal(n) ? "IP:" : "DNS:") + n;
  }
  X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name, sans.c_str());
  check(san != nullptr, names, "subjectAltName");
  sk_X509_EXTENSION_push(p.exts, san);
  check(X509_REQ_add_extensions(p.req, p.exts) == 1, names, "extensions");
  check(X509_REQ_set_pubkey(p.req, p.key) == 1, names, "public key");
  check(X509_REQ_sign(p.req, p.key, EVP_sha256()) > 0, names, "signing");

  CertificateRequest out;
  unsigned char* der = nullptr;
  int len = i2d_X509_REQ(p.req, &der);
  check(len > 0, names, "encoding");
  out.der.assign(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);

  BIO* bio = BIO_new(BIO_s_mem());
  bool ok = PEM_write_bio_PrivateKey(bio, p.key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  if (ok) out.key_pem.assign(data, static_cast<size_t>(n));
  BIO_free(bio);
  check(ok, names, "key PEM");
  return out;
}

}  // namespace pogo::tls
