// A Server is one HTTP server: N event loops (one per CPU by default), each with its own
// SO_REUSEPORT listening socket per listen address. Each listen address serves a table of sites:
// for `pogo php-server`, one catch-all site whose handler chain is php_server (scripts to the
// Backend, everything else static) or file_server; for a Caddyfile, the tables routes/build.h
// made (several sites per listener, chosen by Host).
//
// Threads: the main thread only (construct, start, addresses, shutdown, destroy).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "server/backend.h"
#include "server/server_options.h"
#include "server/startup_error.h"

namespace pogo::server {

class HttpLoop;
class SiteTable;

// One listen address and the sites it serves.
struct ListenerSites {
  std::string address;  // for parse_listen_address: "127.0.0.1:8080", ":8080"
  std::shared_ptr<SiteTable> sites;
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
  std::vector<ListenerSites> listener_sites_;
  std::vector<std::unique_ptr<HttpLoop>> loops_;
  std::vector<std::string> addresses_;
  bool started_ = false;
  bool stopped_ = false;
  bool clean_ = true;
};

}  // namespace pogo::server
