#include "cli/https.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "caddyfile/error.h"
#include "server/log.h"
#include "server/startup_error.h"
#include "tls/acme_issuer.h"
#include "tls/cert_manager.h"
#include "tls/certificate_files.h"
#include "tls/challenges.h"
#include "tls/error.h"
#include "tls/internal_issuer.h"
#include "tls/local_ca.h"
#include "tls/server_context.h"
#include "tls/storage.h"
#include "tls/trust_store.h"

namespace pogo::cli {

namespace cf = caddyfile;

namespace {

[[noreturn]] void fail(const cf::Location& at, const std::string& message) { cf::fail_at(at.file, at.line, message); }

// The handshakes' view: the managed and loaded certificates, plus TLS-ALPN-01 answers while an
// ACME validation is pending.
class ServerCertificates final : public tls::CertificateSource {
 public:
  ServerCertificates(std::shared_ptr<tls::CertificateManager> certs, std::shared_ptr<tls::Challenges> challenges)
      : certs_(std::move(certs)), challenges_(std::move(challenges)) {}
  std::shared_ptr<const tls::CertifiedKey> certificate_for(std::string_view name) override {
    return certs_->certificate_for(name);
  }
  std::shared_ptr<const tls::CertifiedKey> acme_tls_alpn_certificate(std::string_view name) override {
    return challenges_->tls_alpn01(std::string(name));
  }

 private:
  std::shared_ptr<tls::CertificateManager> certs_;
  std::shared_ptr<tls::Challenges> challenges_;
};

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// `tls { load DIR }`: every file of the folder holding a certificate chain and its key.
void load_folder(tls::CertificateManager& certs, const std::string& dir, const cf::Location& where) {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (!e.is_regular_file()) continue;
    std::string pem = read_file(e.path());
    try {
      certs.add_loaded(tls::CertifiedKey::from_pem(pem, pem, e.path().string()));
    } catch (const tls::Error& err) {
      fail(where, std::string("tls load: ") + err.what());
    }
  }
  if (ec) fail(where, "tls load " + dir + ": " + ec.message());
}

tls::SitePolicy site_policy(const cf::Site& site, std::vector<std::string> names, const server::ListenerSites& l) {
  tls::SitePolicy p;
  p.names = std::move(names);
  // Only what this listener speaks is offered, HTTP/2 first (`servers { protocols }`).
  p.alpn.clear();
  if (l.h2) p.alpn.push_back("h2");
  if (l.h1) p.alpn.push_back("http/1.1");
  if (p.alpn.empty()) p.alpn = {"http/1.1"};
  if (!site.tls) return p;
  const cf::TlsConfig& t = *site.tls;
  if (!t.protocol_min.empty()) p.min_version = t.protocol_min;
  if (!t.protocol_max.empty()) p.max_version = t.protocol_max;
  p.ciphers = t.ciphers;
  p.curves = t.curves;
  if (!t.alpn.empty()) {  // `tls { alpn }`: the site's own list, in its order (no h3 over TCP)
    p.alpn.clear();
    for (const auto& a : t.alpn)
      if (a != "h3") p.alpn.push_back(a);
  }
  if (t.client_auth) {
    tls::ClientAuth ca;
    ca.mode = t.client_auth->mode;
    ca.trusted_ca_cert_files = t.client_auth->trusted_ca_cert_files;
    p.client_auth = std::move(ca);
  }
  return p;
}

// What the Caddyfile accepts (and `pogo adapt` shows) but Pogo cannot honour: refused at start,
// with the place, rather than served differently from what was asked.
void refuse_unsupported(const cf::Config& config) {
  for (const cf::ManagedCertificate& m : config.https.certificates) {
    const cf::Site& site = config.sites[m.site];
    cf::Location at = site.tls ? site.tls->where : site.where;
    if (!m.key_type.empty() && m.key_type != "p256")
      fail(at, "key_type " + m.key_type + ": Pogo makes P-256 (ECDSA) keys only; remove key_type or use p256");
    if (m.issuer == cf::ManagedCertificate::Issuer::internal && m.internal.sign_with_root)
      fail(at, "issuer internal sign_with_root: not supported by Pogo (leaves are signed by the intermediate)");
    if (m.issuer == cf::ManagedCertificate::Issuer::acme && !m.acme.test_dir.empty())
      fail(at, "issuer acme test_dir: not supported by Pogo (failed orders are retried on dir)");
  }
  for (const cf::Site& site : config.sites) {
    if (!site.tls) continue;
    if (site.tls->reuse_private_keys)
      fail(site.tls->where, "tls reuse_private_keys: not supported by Pogo (a renewal makes a new key)");
    if (site.tls->client_auth && !site.tls->client_auth->trusted_leaf_cert_files.empty())
      fail(site.tls->where,
           "tls client_auth trusted_leaf_cert_file: not supported by Pogo; trust the issuing CA with trusted_ca_cert_file");
  }
}

}  // namespace

HttpsRuntime::HttpsRuntime(const cf::Config& config, std::vector<server::ListenerSites>& listeners) {
  bool any_https = false;
  for (const auto& l : listeners) any_https = any_https || l.https;
  if (!any_https) return;
  refuse_unsupported(config);

  storage_ = std::make_unique<tls::Storage>(
      tls::Storage::open(config.global.storage ? config.global.storage->root : std::string()));
  const tls::Storage& storage = *storage_;  // the ACME account stores keep a reference
  challenges_ = std::make_shared<tls::Challenges>();
  tls::CertificateManager::Options mo;
  mo.default_sni = config.global.default_sni;
  mo.log = [](int level, const std::string& message, const nlohmann::json& fields) {
    log::write(static_cast<log::Level>(level), "tls", message, fields);
  };
  certificates_ = std::make_shared<tls::CertificateManager>(storage, std::move(mo));

  // Issuers: one local CA, one ACME issuer per distinct CA account.
  std::shared_ptr<tls::LocalCA> local_ca;
  std::map<std::string, std::shared_ptr<tls::Issuer>> issuers;
  for (const cf::ManagedCertificate& m : config.https.certificates) {
    std::shared_ptr<tls::Issuer> issuer;
    if (m.issuer == cf::ManagedCertificate::Issuer::internal) {
      auto lifetime = m.internal.lifetime ? std::chrono::duration_cast<std::chrono::seconds>(*m.internal.lifetime)
                                          : std::chrono::seconds(tls::kInternalLeafLifetime);
      std::string key = "internal|" + std::to_string(lifetime.count());
      auto& slot = issuers[key];
      if (!slot) {
        try {
          if (!local_ca) local_ca = tls::LocalCA::load_or_create(storage);
        } catch (const tls::Error& e) {
          throw server::StartupError(std::string("local CA: ") + e.what());
        }
        slot = std::make_shared<tls::InternalIssuer>(local_ca, lifetime);
      }
      issuer = slot;
    } else {
      tls::AcmeOptions ao;
      ao.directory_url = m.acme.dir;
      ao.trusted_roots = m.acme.trusted_roots;
      ao.email = m.acme.email;
      ao.disable_http_challenge = m.acme.disable_http_challenge;
      ao.disable_tlsalpn_challenge = m.acme.disable_tlsalpn_challenge;
      if (m.acme.timeout) ao.order_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(*m.acme.timeout);
      std::string key = "acme|" + ao.directory_url + "|" + ao.email + "|" + std::to_string(ao.disable_http_challenge) +
                        std::to_string(ao.disable_tlsalpn_challenge);
      for (const auto& r : ao.trusted_roots) key += "|" + r;
      auto& slot = issuers[key];
      if (!slot) {
        std::shared_ptr<tls::AcmeIssuer> acme;
        try {
          acme = std::make_shared<tls::AcmeIssuer>(ao, *challenges_, tls::AcmeAccountStore::over(storage));
        } catch (const tls::Error& e) {
          fail(config.sites[m.site].where, std::string("ACME issuer: ") + e.what());
        }
        certificates_->on_stop([acme] { acme->cancel(); });
        slot = acme;
      }
      issuer = slot;
    }
    certificates_->manage({m.name}, issuer);
  }

  // Certificate files.
  for (const cf::Site& site : config.sites) {
    if (!site.tls) continue;
    if (!site.tls->cert.empty()) {
      try {
        certificates_->add_loaded(tls::load_certificate_files(site.tls->cert, site.tls->key));
      } catch (const tls::Error& e) {
        fail(site.tls->where, std::string("tls: ") + e.what());
      }
    }
    for (const auto& dir : site.tls->load) load_folder(*certificates_, dir, site.tls->where);
  }

  if (config.https.install_trust && local_ca) {
    // As Caddy does: the root joins the system trust store so local clients accept the sites;
    // failing to (no permission, no update-ca-certificates) is a warning, not a refusal.
    std::string err = tls::install_root(storage);
    if (!err.empty())
      log::warn("tls", "could not install the local CA's root certificate in the system trust store", {{"error", err}});
  }

  try {
    certificates_->start();
  } catch (const tls::Error& e) {
    throw server::StartupError(std::string("obtaining certificates: ") + e.what());
  }
  source_ = std::make_shared<ServerCertificates>(certificates_, challenges_);

  for (auto& l : listeners) {
    if (!l.https) {
      l.acme_challenges = challenges_;
      continue;
    }
    std::vector<tls::SitePolicy> policies;
    for (const cf::TlsSitePolicy& p : config.https.policies) {
      if (p.port != l.port) continue;
      const cf::Site& site = config.sites[p.site];
      if (!p.names.empty()) policies.push_back(site_policy(site, p.names, l));
      if (p.catch_all) policies.push_back(site_policy(site, {}, l));
    }
    try {
      auto ctx = std::make_shared<tls::ServerContext>(std::move(policies), source_);
      l.tls = ctx->ctx();
      l.tls_owner = ctx;
    } catch (const tls::Error& e) {
      throw server::StartupError("TLS on " + l.address + ": " + e.what());
    }
  }
}

HttpsRuntime::~HttpsRuntime() {
  if (certificates_) certificates_->stop();
}

}  // namespace pogo::cli
