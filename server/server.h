// A Server is one HTTP server: N event loops (one per CPU by default), each with its own
// SO_REUSEPORT listening socket per listen address, serving a table of sites (today one
// catch-all site whose handler chain is php_server — scripts to the Backend, everything else
// static — or file_server).
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

class Server {  // main thread only
 public:
  Server(ServerOptions options, Backend* backend);  // backend may be null when php == false
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
  std::unique_ptr<SiteTable> sites_;
  std::vector<std::unique_ptr<HttpLoop>> loops_;
  std::vector<std::string> addresses_;
  bool started_ = false;
  bool stopped_ = false;
  bool clean_ = true;
};

}  // namespace pogo::server
