// One site block -> Site: its addresses decided, its matchers and handlers, its access logs and
// certificates, and the check that an HTTPS address has certificates Pogo can serve.
#pragma once

#include "caddyfile/build_context.h"
#include "caddyfile/config.h"
#include "caddyfile/parser.h"

namespace caddyfile {

Site build_site(const ServerBlock& block, const GlobalOptions& global, const BuildContext& ctx);

}  // namespace caddyfile
