// Challenges is the set of ACME challenge answers being presented right now: what the server must
// reply while a CA validates a name (RFC 8555 §8.3 HTTP-01, RFC 8737 TLS-ALPN-01).
//
// The ACME client puts an answer before telling the CA to validate and removes it when the
// authorization is settled (whatever the outcome). The server consults it:
//  - HTTP-01: a request for /.well-known/acme-challenge/<token> on port 80 is answered 200 with
//    http01(token) as text/plain, before any route runs (Caddy does the same, ahead of redirects);
//  - TLS-ALPN-01: a handshake that offers ALPN "acme-tls/1" is answered with the certificate
//    tls_alpn01(SNI name), and the connection closed after the handshake.
// Names are compared case-insensitively (stored lower-case), as SNI and Host are.
//
// Threads: written by the certificate manager's (ACME) thread, read by loop threads on every
// challenge request or acme-tls/1 handshake. All members may be called from any thread; reads
// share a lock and writes are rare (a few per certificate).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>

#include "tls/certified_key.h"

namespace pogo::tls {

// The path prefix of HTTP-01 challenge requests (RFC 8555 §8.3).
inline constexpr std::string_view kHttp01PathPrefix = "/.well-known/acme-challenge/";
// The ALPN protocol id of TLS-ALPN-01 handshakes (RFC 8737 §6.2).
inline constexpr std::string_view kAcmeTlsAlpn = "acme-tls/1";

class Challenges {
 public:
  void put_http01(std::string token, std::string key_authorization);
  // The key authorization to serve for `token`, if a challenge with that token is pending.
  std::optional<std::string> http01(std::string_view token) const;
  // The same for a request path; nullopt unless it is kHttp01PathPrefix + a pending token.
  std::optional<std::string> http01_for_path(std::string_view path) const;
  void remove_http01(std::string_view token);

  // `name` is the SNI name the CA will send: the DNS name, or for an IP address its reverse
  // name (RFC 8738 §6: 1.0.0.127.in-addr.arpa).
  void put_tls_alpn01(std::string name, std::shared_ptr<const CertifiedKey> cert);
  std::shared_ptr<const CertifiedKey> tls_alpn01(std::string_view name) const;
  void remove_tls_alpn01(std::string_view name);

  // How many answers are pending (tests; a server may skip the lookup when zero).
  size_t size() const;

 private:
  mutable std::shared_mutex mu_;
  std::map<std::string, std::string, std::less<>> http01_;
  std::map<std::string, std::shared_ptr<const CertifiedKey>, std::less<>> tls_alpn01_;
};

// The TLS-ALPN-01 answer for one name (RFC 8737 §3): a fresh P-256 key and a self-signed
// certificate whose only SAN is `name` (DNS, or IP if `name` is an IP literal) and which carries
// the critical id-pe-acmeIdentifier extension (1.3.6.1.5.5.7.1.31) holding the SHA-256 of
// `key_authorization` as a DER OCTET STRING. Throws tls::Error.
std::shared_ptr<const CertifiedKey> make_tls_alpn01_certificate(const std::string& name,
                                                                const std::string& key_authorization);

// The name a TLS-ALPN-01 validation of `identifier` arrives with in SNI: the name itself, or the
// reverse-DNS form of an IP address (RFC 8738 §6). Lower-case.
std::string tls_alpn01_sni_name(std::string_view identifier);

}  // namespace pogo::tls
