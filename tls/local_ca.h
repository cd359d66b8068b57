// LocalCA is the certificate authority behind `tls internal` and local host names: a root that
// browsers are asked to trust once (`pogo trust`), and an intermediate, renewed often, that
// signs the short-lived leaves. It lives in storage exactly where Caddy keeps its own
// (pki/authorities/local/), so a FrankenPHP or Caddy data volume keeps its already-trusted root.
//
// As Caddy does: the root is ECDSA P-256, self-signed, valid 3600 days (Caddy's "10 years" of
// 30-day months), CN "<name> - <year> ECC Root"; the intermediate is P-256, valid 7 days, CN
// "<name> - ECC Intermediate", and is replaced once a fifth of its lifetime is left (Caddy's
// renewal window ratio 0.2 for its CA, checked every 10 minutes there; here before every leaf
// is signed and at load). A stored root is never replaced; nor is a stored intermediate that
// is still good.
//
// Threads: load_or_create() on any thread (it reads and writes storage); the members may be
// called from any thread — the certificate manager's threads sign leaves while `pogo trust` or
// the start-up code reads the root. A mutex guards the intermediate while it is swapped.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "tls/cert_builder.h"
#include "tls/clock.h"
#include "tls/issuer.h"
#include "tls/storage.h"

namespace pogo::tls {

inline constexpr std::chrono::hours kLocalRootLifetime{24 * 30 * 12 * 10};
inline constexpr std::chrono::hours kLocalIntermediateLifetime{24 * 7};
// The fraction of an intermediate's lifetime left when it is replaced.
inline constexpr double kLocalIntermediateRenewalRatio = 0.2;

class LocalCA {
 public:
  struct Options {
    std::string id = "local";  // pki/authorities/<id>
    std::string name = "Pogo Local Authority";
    Clock clock = system_clock();
  };

  // Loads the root and intermediate from `storage`, creating (and storing) whichever is missing
  // and replacing an intermediate that is due, unusable (its key does not match, the root did
  // not sign it) or expired. Throws tls::Error (unreadable storage, a root without its key).
  static std::shared_ptr<LocalCA> load_or_create(const Storage& storage, Options options);
  static std::shared_ptr<LocalCA> load_or_create(const Storage& storage) { return load_or_create(storage, Options{}); }

  // The root certificate as stored (PEM), what `pogo trust` installs.
  const std::string& root_pem() const { return root_pem_; }
  X509* root() const { return root_.get(); }
  std::string intermediate_pem() const;
  TimePoint intermediate_not_after() const;

  // Replaces the intermediate if a fifth or less of its lifetime is left; true if it did.
  // Throws tls::Error when the new one cannot be stored.
  bool renew_intermediate_if_due();

  // Signs a leaf for `names` (DNS names and IP literals) with a fresh P-256 key, valid from now
  // for `lifetime`, cut short at the intermediate's expiry as Caddy does. The chain is the leaf
  // and the intermediate; the key is PKCS#8. Renews the intermediate first if it is due.
  IssuedCertificate issue_leaf(const std::vector<std::string>& names, std::chrono::seconds lifetime);

 private:
  LocalCA(const Storage& storage, Options options);
  void load_or_create_root();
  void load_or_create_intermediate();
  bool intermediate_due_locked(TimePoint now) const;
  void make_intermediate_locked();

  Storage storage_;
  Options options_;
  AuthorityKeys keys_;
  X509Ptr root_;
  PkeyPtr root_key_;
  std::string root_pem_;

  mutable std::mutex mu_;  // guards the intermediate
  X509Ptr intermediate_;
  PkeyPtr intermediate_key_;
  std::string intermediate_pem_;
};

}  // namespace pogo::tls
