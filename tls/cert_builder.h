// The few X.509 operations the local CA performs, over OpenSSL: make a P-256 key, build and sign
// a root, an intermediate or a leaf certificate, and convert keys and certificates to and from
// PEM. Kept apart from LocalCA so that LocalCA reads as policy (lifetimes, names, storage) and
// this file as mechanism.
//
// Threads: free functions on values the caller owns; any thread.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace pogo::tls {

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

PkeyPtr generate_p256_key();

// What kind of certificate to build: the extensions differ, the mechanics do not.
enum class CertKind { root, intermediate, leaf };

struct CertRequest {
  CertKind kind = CertKind::leaf;
  std::string common_name;          // may be empty for a leaf (its SANs then say it all)
  std::vector<std::string> names;   // leaf only: DNS names and IP literals
  std::chrono::system_clock::time_point not_before, not_after;
};

// Builds and signs a certificate for `subject_key`. For a root, `issuer` is null and
// `issuer_key` is the subject's own key. Throws tls::Error.
X509Ptr build_certificate(const CertRequest& req, EVP_PKEY* subject_key, X509* issuer, EVP_PKEY* issuer_key);

// True for an IPv4 or IPv6 literal (brackets allowed around IPv6).
bool is_ip_address(std::string_view name);

std::string cert_to_pem(X509* cert);
// SEC1 "EC PRIVATE KEY" for EC keys: the form Caddy writes, readable by both.
std::string key_to_traditional_pem(EVP_PKEY* key);
// PKCS#8 "PRIVATE KEY".
std::string key_to_pkcs8_pem(EVP_PKEY* key);
// The first certificate in `pem`. Throws tls::Error naming `what`.
X509Ptr cert_from_pem(std::string_view pem, const std::string& what);
// Any private key PEM form OpenSSL reads (PKCS#8, SEC1, PKCS#1). Throws tls::Error.
PkeyPtr key_from_pem(std::string_view pem, const std::string& what);

std::chrono::system_clock::time_point not_before_of(const X509* cert);
std::chrono::system_clock::time_point not_after_of(const X509* cert);

}  // namespace pogo::tls
