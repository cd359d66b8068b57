// Automatic HTTPS as Caddy does it, computed as plain data from the typed configuration: which
// certificates the runtime must obtain and renew (and from which issuer), which HTTP->HTTPS
// redirects it serves, and which names select each site's TLS settings. No I/O: the runtime (tls/,
// server/) acts on the plan. Rules, from Caddy's "Automatic HTTPS" documentation:
//
// - A name qualifies when a site address carrying it is HTTPS (decide_address, plus any address of
//   a site with `tls` that is not plainly HTTP). Names are lower case; a certificate is managed once
//   per name, for the first site that asks (`ManagedCertificate::site`).
// - Certificate files (`tls CERT KEY`, or `tls { load DIR }`) are "loaded certificates": no managed
//   certificate for that site's names, nor for another site's name they cover (`*.example.com`
//   files cover `a.example.com`), unless `auto_https ignore_loaded_certs`.
// - The issuer: the site's own (`tls internal`, `issuer ...`, the `ca`/`ca_root` shortcuts for
//   acme), else global `cert_issuer`, else internal with `local_certs`, else internal for names no
//   public CA certifies (localhost, *.localhost, *.local, *.internal, *.home.arpa, IP addresses),
//   else ACME. A global `acme_ca` alone does not move internal names to ACME (Caddy's docs: "a
//   globally-configured ACME CA may not apply to all sites").
// - ACME settings resolve site issuer > global (`acme_ca`, `acme_ca_root`, `email`) > defaults
//   (Let's Encrypt production; Pogo has no ZeroSSL fallback). The email is the issuer's, else
//   `tls EMAIL`, else the global `email`.
// - A wildcard from ACME needs the DNS challenge, which Pogo lacks: error. With `auto_https
//   prefer_wildcard`, names covered by a managed wildcard get no certificate of their own.
// - `auto_https disable_certs` manages nothing; `auto_https off` manages nothing and redirects
//   nothing (and decide_address left implicit addresses on HTTP). Then an HTTPS address needs loaded
//   certificates covering it, else `file:line: ... no certificate`.
// - An HTTPS address with no host (`https://`, `:443`) gives Caddy no name to obtain a certificate
//   for; without on-demand TLS (which Pogo does not have) it only works with loaded certificates or
//   beside named addresses of the same site on that port. Otherwise an error, `tls internal` too:
//   Caddy accepts that config but its handshakes fail for want of a certificate.
// - Redirects (unless `disable_redirects`/`off`): one per HTTPS host on `http_port`, 308 to the same
//   host on HTTPS, keeping the port unless it is 443 or `https_port` (those are the public HTTPS
//   port as far as Caddy knows). A host on several HTTPS ports redirects to `https_port` if among
//   them, else to the first. A hostless HTTPS address gives a catch-all redirect, but only on a
//   port where no HTTPS address names a host (as Caddy). The user's own HTTP site wins: no redirect
//   for a host an `http://` site serves on http_port (exact or by wildcard), nor a catch-all one when
//   an HTTP catch-all site exists there.
#pragma once

#include "caddyfile/config.h"

namespace caddyfile {

inline constexpr const char* kLetsEncryptDirectory = "https://acme-v02.api.letsencrypt.org/directory";

// Throws Error (`file:line: message`) where no certificate could be had.
HttpsPlan plan_https(const Config& config);

// localhost, *.localhost, *.local, *.internal, *.home.arpa, or an IP address.
bool is_internal_name(const std::string& name);

}  // namespace caddyfile
