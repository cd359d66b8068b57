// One site block -> Site: its addresses decided, its matchers and handlers, its access logs and
// TLS settings (an address of a site with "tls" is HTTPS unless written http:// or on the HTTP port).
#pragma once

#include "caddyfile/build_context.h"
#include "caddyfile/config.h"
#include "caddyfile/parser.h"

namespace caddyfile {

Site build_site(const ServerBlock& block, const GlobalOptions& global, const BuildContext& ctx);

}  // namespace caddyfile
