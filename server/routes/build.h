// Building the runtime routes from a Caddyfile's typed configuration: one listener per bind
// address and port (several sites may share one, chosen by Host), each site's handlers compiled
// with their matchers in the order caddyfile/ decided. Whatever the configuration asks for that
// this server cannot honour is an error naming the Caddyfile's file:line.
//
// Threads: main thread, at start-up.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "caddyfile/config.h"
#include "server/access_log.h"
#include "server/backend.h"
#include "server/routes/site.h"
#include "server/server.h"

namespace pogo::server {

struct BuiltRoutes {
  std::vector<ListenerSites> listeners;
  std::vector<std::shared_ptr<AccessLog>> access_logs;  // kept alive for the handlers that write to them
};

// The backend of a `mercure` block's hub, made by the caller (cli/ wires mercure/ in): what the
// block's route hands /.well-known/mercure requests to. May throw std::exception, reported at the
// block's file:line.
using HubBackends = std::function<Backend*(const caddyfile::MercureSpec& spec)>;

// `backend` may be null when no site uses PHP; `hubs` empty when the configuration is only
// checked. Throws caddyfile::Error.
BuiltRoutes build_routes(const caddyfile::Config& config, Backend* backend, const HubBackends& hubs = {});

// True when some handler (at any depth) is php_server, php or php_fastcgi.
bool config_uses_php(const caddyfile::Config& config);

}  // namespace pogo::server
