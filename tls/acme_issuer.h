// AcmeIssuer is the `acme` issuer of the Caddyfile (`tls { issuer acme { ... } }`, the global
// `acme_ca`, `acme_ca_root`, `email`): an Issuer whose certificates come from an ACME CA through
// an AcmeClient, with the account kept where Caddy keeps it, so a Caddy or FrankenPHP data
// directory's account is reused and Caddy can reuse ours:
//
//   acme/<issuer key>/users/<email or "default">/<user part of email or "default">.key   (PEM)
//   acme/<issuer key>/users/<email or "default">/<user part of email or "default">.json  (account)
//
// The issuer key is certmagic's: the directory URL's host (port included) and path with '/' as
// '-' (acme-v02.api.letsencrypt.org-directory; https://127.0.0.1:14000/dir gives 127.0.0.1:14000-dir,
// stored as 127.0.0.1-14000-dir). storage_key() is that directory name.
//
// The account key is read on the first issue(), or made and saved before the CA hears of it (so a
// crash never leaves an account whose key is lost); the registration JSON is saved once the CA
// has answered.
//
// Threads: issue() on the certificate manager's thread only; storage_key() and cancel() from any
// thread.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "tls/acme_client.h"
#include "tls/challenges.h"
#include "tls/issuer.h"

namespace pogo::tls {

class Storage;

// Where the account lives: a key-value view over Caddy's storage keys (slash-separated).
struct AcmeAccountStore {
  std::function<std::optional<std::string>(const std::string& key)> load;  // nullopt: absent
  std::function<void(const std::string& key, const std::string& value)> store;

  // Over a Storage, which must outlive the store.
  static AcmeAccountStore over(const Storage& storage);
};

class AcmeIssuer : public Issuer {
 public:
  // `challenges` must outlive the issuer.
  AcmeIssuer(AcmeOptions options, Challenges& challenges, AcmeAccountStore store);
  ~AcmeIssuer() override;

  std::string storage_key() const override;
  IssuedCertificate issue(const std::vector<std::string>& names) override;

  // Makes a running issue() give up soon (AcmeClient::cancel); issue() refuses from then on.
  void cancel();

  // Loads or makes the account key, registers it and saves the registration; issue() does this
  // first. Same thread as issue().
  const AcmeAccount& account();

 private:
  AcmeClient& client();

  AcmeOptions options_;
  Challenges& challenges_;
  AcmeAccountStore store_;
  mutable std::mutex mu_;  // guards client_ (made on the manager's thread, cancelled from any)
  std::unique_ptr<AcmeClient> client_;
  bool cancelled_ = false;
  bool registration_saved_ = false;
};

}  // namespace pogo::tls
