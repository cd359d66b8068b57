// Automatic HTTPS at run time: what caddyfile/auto_https.h planned, made real. The certificate
// manager gets one managed certificate per planned name (from the local CA or an ACME CA, kept in
// Caddy's storage layout) plus the sites' certificate files; every HTTPS listener gets a
// tls::ServerContext with its sites' `tls` settings, chosen by SNI; the HTTP listeners answer
// ACME HTTP-01 challenges. The local CA's root goes into the system trust store unless
// `skip_install_trust`.
//
// Threads: main thread (start-up and shutdown). The objects it makes are then used by the loop
// threads (handshakes) and the certificate manager's own threads.
#pragma once

#include <memory>
#include <vector>

#include "caddyfile/config.h"
#include "server/server.h"

namespace pogo::tls {
class CertificateManager;
class Challenges;
class CertificateSource;
class Storage;
}  // namespace pogo::tls

namespace pogo::cli {

class HttpsRuntime {
 public:
  // Obtains what must exist before serving (local-CA certificates), starts background issuance
  // and renewal, and gives each HTTPS listener in `listeners` its TLS context. Nothing to do
  // without HTTPS listeners. Throws caddyfile::Error (file:line) for a site's bad `tls` settings
  // or certificate files, StartupError for the rest.
  HttpsRuntime(const caddyfile::Config& config, std::vector<server::ListenerSites>& listeners);
  ~HttpsRuntime();  // stops renewals
  HttpsRuntime(const HttpsRuntime&) = delete;
  HttpsRuntime& operator=(const HttpsRuntime&) = delete;

 private:
  std::unique_ptr<tls::Storage> storage_;  // first: outlives the issuers that refer to it
  std::shared_ptr<tls::Challenges> challenges_;
  std::shared_ptr<tls::CertificateManager> certificates_;
  std::shared_ptr<tls::CertificateSource> source_;
};

}  // namespace pogo::cli
