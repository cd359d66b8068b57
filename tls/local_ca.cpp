#include "tls/local_ca.h"

#include <ctime>

#include "tls/error.h"

namespace pogo::tls {

namespace {

// Certificates carry whole seconds; truncating keeps a stored not_before equal to the one we
// reason with.
TimePoint whole_seconds(TimePoint t) { return std::chrono::floor<std::chrono::seconds>(t); }

int year_of(TimePoint t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  struct tm tm = {};
  gmtime_r(&tt, &tm);
  return tm.tm_year + 1900;
}

}  // namespace

LocalCA::LocalCA(const Storage& storage, Options options)
    : storage_(storage), options_(std::move(options)), keys_(authority_keys(options_.id)) {}

std::shared_ptr<LocalCA> LocalCA::load_or_create(const Storage& storage, Options options) {
  std::shared_ptr<LocalCA> ca(new LocalCA(storage, std::move(options)));
  ca->load_or_create_root();
  ca->load_or_create_intermediate();
  return ca;
}

void LocalCA::load_or_create_root() {
  std::optional<std::string> cert_pem = storage_.load(keys_.root_cert);
  if (!cert_pem) {
    // As Caddy: no root certificate means a new CA, whatever else is there.
    TimePoint now = whole_seconds(options_.clock());
    PkeyPtr key = generate_p256_key();
    CertRequest req{CertKind::root, options_.name + " - " + std::to_string(year_of(now)) + " ECC Root", {}, now,
                    now + kLocalRootLifetime};
    X509Ptr cert = build_certificate(req, key.get(), nullptr, key.get());
    std::string pem = cert_to_pem(cert.get());
    // The key first: a crash between the two writes leaves a key without a certificate, which
    // the next start replaces, rather than a certificate whose key is lost.
    storage_.store(keys_.root_key, key_to_traditional_pem(key.get()));
    storage_.store(keys_.root_cert, pem);
    root_ = std::move(cert);
    root_key_ = std::move(key);
    root_pem_ = std::move(pem);
    return;
  }
  std::string where = storage_.path_of(keys_.root_cert).string();
  root_ = cert_from_pem(*cert_pem, where);
  std::optional<std::string> key_pem = storage_.load(keys_.root_key);
  if (!key_pem) throw Error("local CA: " + where + " exists but its key " + storage_.path_of(keys_.root_key).string() +
                            " does not; remove the certificate to start a new CA");
  root_key_ = key_from_pem(*key_pem, storage_.path_of(keys_.root_key).string());
  if (X509_check_private_key(root_.get(), root_key_.get()) != 1) {
    take_openssl_errors();
    throw Error("local CA: " + storage_.path_of(keys_.root_key).string() + " is not the key of " + where);
  }
  root_pem_ = std::move(*cert_pem);
}

void LocalCA::load_or_create_intermediate() {
  std::lock_guard lock(mu_);
  std::optional<std::string> cert_pem = storage_.load(keys_.intermediate_cert);
  std::optional<std::string> key_pem = storage_.load(keys_.intermediate_key);
  if (cert_pem && key_pem) {
    try {
      X509Ptr cert = cert_from_pem(*cert_pem, storage_.path_of(keys_.intermediate_cert).string());
      PkeyPtr key = key_from_pem(*key_pem, storage_.path_of(keys_.intermediate_key).string());
      bool usable = X509_check_private_key(cert.get(), key.get()) == 1 &&
                    X509_verify(cert.get(), X509_get0_pubkey(root_.get())) == 1;
      take_openssl_errors();
      if (usable) {
        intermediate_ = std::move(cert);
        intermediate_key_ = std::move(key);
        intermediate_pem_ = std::move(*cert_pem);
        if (!intermediate_due_locked(options_.clock())) return;
      }
    } catch (const Error&) {
      // An unreadable intermediate is replaced like an expired one: the root can sign another.
    }
  }
  make_intermediate_locked();
}

bool LocalCA::intermediate_due_locked(TimePoint now) const {
  TimePoint nb = not_before_of(intermediate_.get()), na = not_after_of(intermediate_.get());
  auto window = std::chrono::duration_cast<std::chrono::seconds>((na - nb) * kLocalIntermediateRenewalRatio);
  return now >= na - window;
}

void LocalCA::make_intermediate_locked() {
  TimePoint now = whole_seconds(options_.clock());
  PkeyPtr key = generate_p256_key();
  CertRequest req{CertKind::intermediate, options_.name + " - ECC Intermediate", {}, now,
                  now + kLocalIntermediateLifetime};
  X509Ptr cert = build_certificate(req, key.get(), root_.get(), root_key_.get());
  std::string pem = cert_to_pem(cert.get());
  storage_.store(keys_.intermediate_key, key_to_traditional_pem(key.get()));
  storage_.store(keys_.intermediate_cert, pem);
  intermediate_ = std::move(cert);
  intermediate_key_ = std::move(key);
  intermediate_pem_ = std::move(pem);
}

std::string LocalCA::intermediate_pem() const {
  std::lock_guard lock(mu_);
  return intermediate_pem_;
}

TimePoint LocalCA::intermediate_not_after() const {
  std::lock_guard lock(mu_);
  return not_after_of(intermediate_.get());
}

bool LocalCA::renew_intermediate_if_due() {
  std::lock_guard lock(mu_);
  if (!intermediate_due_locked(options_.clock())) return false;
  make_intermediate_locked();
  return true;
}

IssuedCertificate LocalCA::issue_leaf(const std::vector<std::string>& names, std::chrono::seconds lifetime) {
  std::lock_guard lock(mu_);
  TimePoint now = whole_seconds(options_.clock());
  if (intermediate_due_locked(now)) make_intermediate_locked();
  TimePoint not_after = now + lifetime;
  if (TimePoint limit = not_after_of(intermediate_.get()); not_after > limit) not_after = limit;
  PkeyPtr key = generate_p256_key();
  CertRequest req{CertKind::leaf, {}, names, now, not_after};
  X509Ptr leaf = build_certificate(req, key.get(), intermediate_.get(), intermediate_key_.get());
  std::string chain = cert_to_pem(leaf.get());
  // The stored intermediate PEM may be a bundle (Caddy reads intermediate.crt as a chain); it is
  // everything between the leaf and the root, so it is appended whole.
  chain += intermediate_pem_;
  if (!chain.empty() && chain.back() != '\n') chain += '\n';
  return {std::move(chain), key_to_pkcs8_pem(key.get())};
}

}  // namespace pogo::tls
