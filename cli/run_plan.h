// From a Caddyfile's configuration to what serving it takes: the global options applied to the
// log, and a ServePlan (engine and backend options, workers, pools, grace period, and how to build
// the server: the listeners and sites of server/routes/build.h with their TLS contexts). Every
// configuration error is a caddyfile::Error with `file:line`, thrown before anything starts.
//
// Threads: the controlling thread.
#pragma once

#include <string>

#include "caddyfile/config.h"
#include "cli/serve.h"

namespace pogo::cli {

// The global `log` and `debug` options.
void apply_logging(const caddyfile::GlobalOptions& g);

ServePlan plan_for(const caddyfile::Config& config);

// The admin API's address: the configuration's `admin` option, else $CADDY_ADMIN, else
// localhost:2019 (as Caddy); "" when `admin off`. `config` null: no Caddyfile at hand.
std::string admin_address(const caddyfile::Config* config);

}  // namespace pogo::cli
