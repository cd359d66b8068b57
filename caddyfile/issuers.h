// Certificate issuers as written in the Caddyfile: `issuer NAME ...` inside `tls`, and the global
// `cert_issuer NAME ...`, which share one syntax. Pogo has two issuers: `acme` (an ACME CA, Let's
// Encrypt by default, with the HTTP and TLS-ALPN challenges) and `internal` (its local CA). What
// either would need and Pogo lacks (the DNS challenge, external account binding, other CAs of the
// PKI app) is refused with the option's file:line.
#pragma once

#include <string>

#include "caddyfile/config.h"
#include "caddyfile/parser.h"

namespace caddyfile {

// `seg` is `issuer acme [DIR] { ... }` (or cert_issuer ...); `context` names it in messages.
IssuerConfig parse_issuer(const Segment& seg, const std::string& context);

// Reads a `key_type` value: ed25519 p256 p384 rsa2048 rsa4096.
std::string parse_key_type(const Token& t);

}  // namespace caddyfile
