// A Server is one HTTP server: N event loops (one per CPU by default), each with its own
// SO_REUSEPORT listening socket per listen address. Each listen address serves the table of sites
// routes/build.h made from the configuration (several sites per listener, chosen by Host);
// `pogo php-server` builds its configuration too (cli/php_server_config.h).
//
// Threads: the main thread only (construct, start, addresses, shutdown, destroy).
#pragma once

#include <openssl/ssl.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "server/backend.h"
#include "server/server_options.h"
#include "server/startup_error.h"

namespace pogo::metrics {
class HttpServerMetrics;
}

namespace pogo::tls {
class Challenges;
}

namespace pogo::server {

class HttpLoop;
class Router;

// One listen address, the sites it serves, and how: plaintext or TLS, which HTTP versions.
struct ListenerSites {
  std::string address;  // for parse_listen_address: "127.0.0.1:8080", ":8080"
  // Routes its requests (server/routes/'s SiteTable: its sites, chosen by Host).
  std::shared_ptr<const Router> sites;
  int port = 0;        // as configured (0: from the address)
  bool https = false;  // its sites are HTTPS: the runtime gives it a TLS context before start
  // TLS: the context each connection's session is made from (null: plaintext), and the object
  // that owns it (a tls::ServerContext), kept alive as long as the listener.
  SSL_CTX* tls = nullptr;
  std::shared_ptr<const void> tls_owner;
  bool h1 = true, h2 = true, h2c = false;  // `servers { protocols }`
  // ACME HTTP-01 answers, served on this (plaintext) listener before any site's routes.
  std::shared_ptr<const tls::Challenges> acme_challenges;
  // Caddy's HTTP metrics of this listener's server (process-lifetime); null when `metrics` is off.
  metrics::HttpServerMetrics* metrics = nullptr;
};

// Listening sockets by listen address (ListenSockets key: host and configured port), handed from
// a running server to the one that replaces it on a reload, so no connection waiting in a
// socket's backlog is lost and the port is never closed. The fds are owned by whoever holds the map.
using ListenSockets = std::map<std::string, std::vector<int>>;
struct ListenAddress;
std::string listen_socket_key(const ListenAddress& address);  // "" for an ephemeral port (never handed over)
void close_listen_sockets(ListenSockets& sockets);

class Server {  // the controlling thread only (main, or the admin API's under the runtime's lock)
 public:
  // Every listener has its sites.
  Server(ServerOptions options, std::vector<ListenerSites> listeners);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds, starts loop threads; throws StartupError. Listen addresses found in `inherit` take
  // those sockets (removed from the map) instead of binding new ones; more loops than inherited
  // sockets bind more into the same SO_REUSEPORT group.
  void start(ListenSockets* inherit = nullptr);
  // Duplicates of every listening socket, for the next server (call while this one serves).
  ListenSockets duplicate_listen_sockets() const;
  std::vector<std::string> addresses() const;  // actual bound "host:port" strings
  // Open connections of each loop (any thread; a snapshot).
  std::vector<size_t> open_per_loop() const;
  // Every loop stops accepting before this returns (a reload, once the new server listens on the
  // same sockets: a connection made after it reaches the new server, never this one); what was
  // accepted goes on until shutdown().
  void stop_accepting();
  // Stop accepting; in-flight requests finish within grace_period (then aborted); idle
  // keep-alive connections closed; joins loop threads. `last_call`: the listening sockets were
  // handed to a new server; idle HTTP/1 connections get HttpLoop::kLastCall for one more request.
  void shutdown(bool last_call = false);

  // True when every loop ended with no libuv handle left open (for tests).
  bool closed_cleanly() const { return clean_; }

 private:
  ServerOptions options_;
  std::vector<ListenerSites> listener_sites_;  // stable once started: loops point into it
  std::vector<std::unique_ptr<HttpLoop>> loops_;
  std::vector<std::string> addresses_;
  std::vector<std::pair<std::string, int>> listen_fds_;  // key, fd (owned by a loop's Acceptor)
  bool started_ = false;
  bool stopped_ = false;
  bool clean_ = true;
};

}  // namespace pogo::server
