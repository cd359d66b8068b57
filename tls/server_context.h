// A ServerContext is the TLS configuration of one listening port: the SSL_CTX every connection
// accepted there starts from, serving several sites that the client tells apart by SNI.
//
// Each site brings a SitePolicy (its Caddyfile `tls` options). When a ClientHello arrives, the
// policy for its server name is chosen (exact name, then a one-label wildcard, then the default
// policy — the one without names; without SNI, the local IP the Session was given stands in for
// the name; no match and no default ends the handshake with an
// unrecognized_name alert, as Caddy does), and that policy's versions, TLS 1.2 ciphers, curves,
// client authentication and session-resumption scope are set on that one connection. The
// certificate comes from a CertificateSource at each handshake, so a renewed certificate is
// served from the next handshake on. ALPN honours the policy's preference order; "acme-tls/1" is
// answered only with a TLS-ALPN-01 challenge certificate.
//
// Sessions resume through tickets (see ticket_keys.h); a ticket is only honoured by the policy that
// issued it, so a session made on a site without client authentication never opens one with it.
// Renegotiation is refused; TLS 1.2 is the minimum.
//
// Threads: built on the main thread; then read-only, and its SSL_CTX is used by every loop thread
// at once. The callbacks call the CertificateSource from loop threads, so it must be thread-safe.
// Everything a handshake needs is owned by the SSL_CTX itself, so Sessions still handshaking when a
// reload destroys the ServerContext keep working.
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tls/certified_key.h"
#include "tls/ticket_keys.h"

namespace pogo::tls {

struct ClientAuth {
  // request | require | verify_if_given | require_and_verify; "" = Caddy's default:
  // require_and_verify when trusted CAs are given, else require.
  std::string mode;
  std::vector<std::string> trusted_ca_cert_files;  // PEM files, one or more certificates each
};

struct SitePolicy {  // one site's `tls` settings, matched by SNI
  std::vector<std::string> names;  // exact names, "*.example.com" wildcards, IPs; empty = the default policy
  std::string min_version = "tls1.2", max_version = "tls1.3";
  // Caddy/Go names (TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, ...). They choose the TLS 1.2 suites;
  // TLS 1.3 names are accepted and, as in Go, change nothing. Empty = Caddy's defaults.
  std::vector<std::string> ciphers;
  std::vector<std::string> curves;                  // x25519 secp256r1 secp384r1 secp521r1; empty = defaults
  std::vector<std::string> alpn = {"h2", "http/1.1"};  // preference order; empty = this default
  std::optional<ClientAuth> client_auth;
};

class CertificateSource {  // implemented by the certificate manager, and by FixedCertificates
 public:
  virtual ~CertificateSource() = default;
  // The certificate for this SNI name ("" when the client sent none): exact, then one-label
  // wildcard, then a default; nullptr = none (the handshake fails with an alert).
  virtual std::shared_ptr<const CertifiedKey> certificate_for(std::string_view server_name) = 0;
  // TLS-ALPN-01 (RFC 8737): a challenge certificate for this name while an ACME validation is
  // pending, else nullptr. Called when the client offers ALPN "acme-tls/1".
  virtual std::shared_ptr<const CertifiedKey> acme_tls_alpn_certificate(std::string_view server_name) {
    return nullptr;
  }
};

// A CertificateSource over certificates known up front (certificate files, tests): each is found
// by the names it was added under (its own SANs by default). Thread-safe once built.
class FixedCertificates : public CertificateSource {
 public:
  void add(std::shared_ptr<const CertifiedKey> cert);  // under cert->names
  void add(std::string name, std::shared_ptr<const CertifiedKey> cert);
  void set_default(std::shared_ptr<const CertifiedKey> cert);  // for unknown or missing SNI
  std::shared_ptr<const CertifiedKey> certificate_for(std::string_view server_name) override;

 private:
  std::vector<std::pair<std::string, std::shared_ptr<const CertifiedKey>>> by_name_;
  std::shared_ptr<const CertifiedKey> default_;
};

class ServerContext {
 public:
  // Throws tls::Error; the message names the site and the option that is wrong. `tickets`
  // defaults to the process-wide keys.
  ServerContext(std::vector<SitePolicy> policies, std::shared_ptr<CertificateSource> certs,
                std::shared_ptr<TicketKeys> tickets = nullptr);
  ~ServerContext();
  ServerContext(const ServerContext&) = delete;
  ServerContext& operator=(const ServerContext&) = delete;

  SSL_CTX* ctx() const { return ctx_; }  // for Session

  // The SNI name this connection's ClientHello carried, lower-case; "" if none or if the SSL is
  // not from a ServerContext. Valid while `ssl` lives.
  static std::string_view server_name(const SSL* ssl);
  // The name to choose the policy and certificate by when the client sends no SNI (as clients
  // connecting to an IP address do): the connection's local IP, as CertMagic uses it. Call
  // before the handshake; Session does it for its `local_ip`.
  static void set_name_without_sni(SSL* ssl, std::string name);
  // Whether the chosen policy verifies client certificates (for SSL_CLIENT_VERIFY).
  static bool verifies_client_certificates(const SSL* ssl);

 private:
  SSL_CTX* ctx_ = nullptr;
};

// Whether `name` is covered by `pattern`: equal (ASCII case-insensitive), or pattern is
// "*.rest" and name is exactly one label followed by ".rest".
bool name_matches(std::string_view pattern, std::string_view name);

}  // namespace pogo::tls
