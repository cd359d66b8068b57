// A Server built the way `pogo run` builds one: Caddyfile text parsed into a caddyfile::Config,
// its routes built by build_routes with the given backend, and the listener(s) of its one site
// put on the test's addresses (a Caddyfile address cannot say "port 0", the ephemeral port tests
// listen on). What the server points into (routes, access logs) is kept in `routes`.
//
// Threads: the test's thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "caddyfile/load.h"
#include "server/routes/build.h"
#include "server/server.h"

struct RoutedServer {
  pogo::server::BuiltRoutes routes;
  std::unique_ptr<pogo::server::Server> server;
};

// `caddyfile` has one site on one address; its listener is served on each of `listen`.
inline RoutedServer routed_server(const std::string& caddyfile, const pogo::server::ServerOptions& options,
                                  pogo::server::Backend* backend,
                                  const std::vector<std::string>& listen = {"127.0.0.1:0"}) {
  RoutedServer out;
  caddyfile::Config config = caddyfile::parse_config(caddyfile, "Caddyfile");
  out.routes = pogo::server::build_routes(config, backend);
  REQUIRE(out.routes.listeners.size() == 1);
  pogo::server::ListenerSites one = out.routes.listeners.front();
  std::vector<pogo::server::ListenerSites> listeners;
  for (const std::string& address : listen) {
    pogo::server::ListenerSites l = one;
    l.address = address;
    l.port = 0;
    listeners.push_back(l);
  }
  out.server = std::make_unique<pogo::server::Server>(options, std::move(listeners));
  return out;
}

// A site block serving `root` (quoted for the Caddyfile) with `body` after `root`.
inline std::string site_caddyfile(const std::string& root, const std::string& body) {
  return ":80 {\n\troot * \"" + root + "\"\n" + body + "\n}\n";
}
