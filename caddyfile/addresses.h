// Site addresses, decided as Caddy decides them: `[scheme://]host[:port][/path]`. Without a
// scheme, an address on the HTTP port is HTTP; an address on the HTTPS port, or with a host name
// (Caddy would get it a certificate), is HTTPS; a port-only address (`:8080`) is HTTP. The default
// port follows the scheme (http_port / https_port); `http://` and `https://` alone are catch-alls on
// that port. A site's `tls` directive can still turn its addresses to HTTPS (site.cpp).
#pragma once

#include <string>

#include "caddyfile/config.h"
#include "caddyfile/token.h"

namespace caddyfile {

struct ParsedAddress {
    std::string scheme;  // "", "http", "https"
    std::string host;
    std::string port;  // "" when not written
    std::string path;
};

// Syntax only. Throws Error naming the token.
ParsedAddress parse_address(const Token& key);

// Scheme and port decided with the global options. `auto_https off` turns implicit HTTPS into HTTP.
Address decide_address(const Token& key, const GlobalOptions& global);

}  // namespace caddyfile
