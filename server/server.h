// A Server is one HTTP server: N event loops (one per CPU by default), each with its own
// SO_REUSEPORT listening socket per listen address. Each listen address serves a table of sites:
// for `pogo php-server`, one catch-all site whose handler chain is php_server (scripts to the
// Backend, everything else static) or file_server; for a Caddyfile, the tables routes/build.h
// made (several sites per listener, chosen by Host).
//
// Threads: the main thread only (construct, start, addresses, shutdown, destroy).
#pragma once

#include <openssl/ssl.h>

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
class SiteTable;

// One listen address, the sites it serves, and how: plaintext or TLS, which HTTP versions.
struct ListenerSites {
  std::string address;  // for parse_listen_address: "127.0.0.1:8080", ":8080"
  std::shared_ptr<SiteTable> sites;
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

class Server {  // main thread only
 public:
  Server(ServerOptions options, Backend* backend);  // backend may be null when php == false
  // A Caddyfile's listeners (options.listen, root, php and env are not used).
  Server(ServerOptions options, std::vector<ListenerSites> listeners);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  void start();                                // binds, starts loop threads; throws StartupError
  std::vector<std::string> addresses() const;  // actual bound "host:port" strings
  // Stop accepting; in-flight requests finish within grace_period (then aborted); idle
  // keep-alive connections closed; joins loop threads.
  void shutdown();

  // True when every loop ended with no libuv handle left open (for tests).
  bool closed_cleanly() const { return clean_; }

 private:
  ServerOptions options_;
  Backend* backend_;
  std::shared_ptr<SiteTable> sites_;
  std::vector<ListenerSites> listener_sites_;  // stable once started: loops point into it
  std::vector<std::unique_ptr<HttpLoop>> loops_;
  std::vector<std::string> addresses_;
  bool started_ = false;
  bool stopped_ = false;
  bool clean_ = true;
};

}  // namespace pogo::server
