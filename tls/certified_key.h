// A CertifiedKey is one certificate ready to serve: the leaf, its chain (without the root), and
// the private key, parsed once and then shared read-only by every handshake that picks it.
// Renewal never mutates one: it builds a new CertifiedKey and swaps the pointer.
//
// Threads: immutable after construction; any thread may read it through a shared_ptr.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace pogo::tls {

struct CertifiedKey {
  CertifiedKey() = default;
  ~CertifiedKey();
  CertifiedKey(const CertifiedKey&) = delete;
  CertifiedKey& operator=(const CertifiedKey&) = delete;

  X509* leaf = nullptr;
  std::vector<X509*> chain;  // intermediates, leaf's issuer first
  EVP_PKEY* key = nullptr;
  std::vector<std::string> names;  // the leaf's DNS and IP subject alternative names
  std::chrono::system_clock::time_point not_before, not_after;

  // Parses a PEM chain (leaf first) and a PEM private key; checks that the key belongs to the
  // leaf. `what` names the source in errors (a file name, "local CA", an ACME CA's URL).
  // Throws tls::Error.
  static std::shared_ptr<const CertifiedKey> from_pem(const std::string& chain_pem, const std::string& key_pem,
                                                      const std::string& what);
};

}  // namespace pogo::tls
