// An Issuer makes certificates for names: the local CA (`tls internal`) or an ACME CA. The
// certificate manager decides when (first use, then at two thirds of the lifetime) and stores
// what it returns in Caddy's layout under certificates/<storage_key()>/<name>/.
//
// Threads: issue() blocks and is called on the certificate manager's thread only.
#pragma once

#include <string>
#include <vector>

namespace pogo::tls {

struct IssuedCertificate {
  std::string chain_pem;  // leaf first, then intermediates
  std::string key_pem;    // the leaf's private key (PKCS#8 PEM)
};

class Issuer {
 public:
  virtual ~Issuer() = default;
  // The directory under certificates/ (Caddy: "local", "acme-v02.api.letsencrypt.org-directory").
  virtual std::string storage_key() const = 0;
  // Obtains one certificate covering all `names`. Throws tls::Error with the CA's reason.
  virtual IssuedCertificate issue(const std::vector<std::string>& names) = 0;
};

}  // namespace pogo::tls
