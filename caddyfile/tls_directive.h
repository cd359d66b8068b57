// The site's `tls` directive: certificate files, or how its certificates are obtained (internal CA,
// ACME options, issuer), and the TLS settings of its connections (protocols, ciphers, curves, ALPN,
// client authentication). Only syntax and values are checked here; whether a certificate can be had
// for the site's names is the automatic-HTTPS plan's business (auto_https.h).
#pragma once

#include "caddyfile/config.h"
#include "caddyfile/parser.h"

namespace caddyfile {

TlsConfig parse_tls(const Segment& seg);

}  // namespace caddyfile
