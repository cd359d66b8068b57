#include "tls/acme_issuer.h"

#include "tls/error.h"
#include "tls/storage.h"

namespace pogo::tls {

AcmeAccountStore AcmeAccountStore::over(const Storage& storage) {
  return AcmeAccountStore{[&storage](const std::string& key) { return storage.load(key); },
                          [&storage](const std::string& key, const std::string& value) { storage.store(key, value); }};
}

AcmeIssuer::AcmeIssuer(AcmeOptions options, Challenges& challenges, AcmeAccountStore store)
    : options_(std::move(options)), challenges_(challenges), store_(std::move(store)) {}

AcmeIssuer::~AcmeIssuer() = default;

std::string AcmeIssuer::storage_key() const { return safe_key(acme_issuer_key(options_.directory_url)); }

AcmeClient& AcmeIssuer::client() {
  {
    std::lock_guard lock(mu_);
    if (cancelled_) throw Error("ACME CA " + options_.directory_url + ": cancelled");
    if (client_) return *client_;
  }
  AcmeAccountKeys keys = acme_account_keys(acme_issuer_key(options_.directory_url), options_.email);
  std::optional<std::string> pem = store_.load(keys.private_key);
  std::optional<AccountKey> key;
  if (pem) {
    key = AccountKey::from_pem(*pem, keys.private_key);
  } else {
    key = AccountKey::generate();
    store_.store(keys.private_key, key->to_pem());
  }
  auto made = std::make_unique<AcmeClient>(options_, std::move(*key), challenges_);
  std::lock_guard lock(mu_);
  if (cancelled_) made->cancel();
  client_ = std::move(made);
  return *client_;
}

const AcmeAccount& AcmeIssuer::account() {
  AcmeClient& c = client();
  const AcmeAccount& a = c.account();
  if (registration_saved_) return a;
  // certmagic's registration file is its acme.Account: the CA's account object plus its URL.
  nlohmann::json registration = a.object.is_object() ? a.object : nlohmann::json::object();
  registration["location"] = a.url;
  std::string text = registration.dump(1, '\t');
  AcmeAccountKeys keys = acme_account_keys(acme_issuer_key(options_.directory_url), options_.email);
  if (store_.load(keys.registration) != text) store_.store(keys.registration, text);
  registration_saved_ = true;
  return a;
}

IssuedCertificate AcmeIssuer::issue(const std::vector<std::string>& names) {
  account();
  return client().obtain(names);
}

void AcmeIssuer::cancel() {
  std::lock_guard lock(mu_);
  cancelled_ = true;
  if (client_) client_->cancel();
}

}  // namespace pogo::tls
