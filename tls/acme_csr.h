// The certificate signing request an ACME order is finalized with (RFC 8555 §7.4): a fresh
// ECDSA P-256 key for the certificate (never the account key) and a CSR naming every identifier
// of the order as a subjectAltName, dNSName or iPAddress.
//
// Threads: pure functions; any thread.
#pragma once

#include <string>
#include <vector>

namespace pogo::tls {

struct CertificateRequest {
  std::string der;      // the CSR, DER (ACME sends it base64url-encoded)
  std::string key_pem;  // the new key, PKCS#8 PEM
};

// `names` are DNS names or IP literals, at least one. Throws tls::Error.
CertificateRequest make_certificate_request(const std::vector<std::string>& names);

// True when `name` is an IPv4 or IPv6 literal (an ACME "ip" identifier, RFC 8738).
bool is_ip_literal(const std::string& name);

}  // namespace pogo::tls
