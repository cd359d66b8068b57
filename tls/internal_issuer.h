// InternalIssuer is the Issuer behind `tls internal` and Caddy's automatic local certificates:
// it signs leaves with the LocalCA's intermediate, at once and without a network. Certificates
// it issues are stored under certificates/local/<name>/, as Caddy's internal issuer stores them.
//
// Leaves are as Caddy's: ECDSA P-256, valid 12 hours by default, the names as DNS or IP SANs,
// serverAuth (and clientAuth, as smallstep's default leaf template), not a CA; the chain is the
// leaf and the intermediate.
//
// Threads: issue() on the certificate manager's threads (the LocalCA serializes signing);
// storage_key() anywhere.
#pragma once

#include <chrono>
#include <memory>

#include "tls/issuer.h"
#include "tls/local_ca.h"

namespace pogo::tls {

inline constexpr std::chrono::hours kInternalLeafLifetime{12};

class InternalIssuer : public Issuer {
 public:
  explicit InternalIssuer(std::shared_ptr<LocalCA> ca, std::chrono::seconds lifetime = kInternalLeafLifetime);

  std::string storage_key() const override { return "local"; }
  // Names are lower-cased and IPv6 brackets dropped; an empty list or an empty name throws
  // tls::Error.
  IssuedCertificate issue(const std::vector<std::string>& names) override;

  const std::shared_ptr<LocalCA>& ca() const { return ca_; }

 private:
  std::shared_ptr<LocalCA> ca_;
  std::chrono::seconds lifetime_;
};

}  // namespace pogo::tls
