// An Instance is one configuration running: the PHP backend (regular threads and workers), the
// Pogo pools and the HTTP server built on them (with what the plan's make_server keeps alive:
// routes, TLS contexts, certificate renewal). A reload starts the next Instance on the listening
// sockets of this one, then stops this one, so the two overlap and no port is ever closed.
//
// Threads: start() on the controlling thread (main, or the admin API's under the runtime's
// lock); stop() and the destructor on that thread or on the thread retiring the instance after
// a reload — never two of them at once on one instance. The PHP engine runs throughout.
#pragma once

#include <cstdint>
#include <memory>

#include "cli/serve.h"
#include "pogo/runtime.h"
#include "sapi/php_backend.h"
#include "server/server.h"

namespace pogo::cli {

class Instance {
 public:
  explicit Instance(ServePlan plan);
  ~Instance();  // stop()
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  // Starts the backend and the pools (installing them for the pogo_* functions), then the server,
  // on the sockets of `inherit` where the addresses match (server::Server::start). Throws; what
  // had started is stopped again (and the pools that were installed before are put back).
  void start(server::ListenSockets* inherit = nullptr);
  // In-flight requests finish within the grace period (`last_call`: the sockets were handed to a
  // new instance; see server::Server::shutdown), then the PHP threads end, then the pools. The
  // scripts of this instance still running when the grace period is over are interrupted (every
  // 100 ms until they are gone: sapi/script_interrupt.h), those of other instances never.
  void stop(bool last_call = false);

  const ServePlan& plan() const { return plan_; }
  server::Server* server() const { return server_.get(); }
  sapi::PhpBackend* backend() const { return backend_.get(); }
  jobs::Runtime* pools() const { return pools_.get(); }

 private:
  ServePlan plan_;
  std::unique_ptr<sapi::PhpBackend> backend_;
  std::unique_ptr<jobs::Runtime> pools_;
  std::unique_ptr<server::Server> server_;
  jobs::Runtime* previous_pools_ = nullptr;
  bool stopped_ = false;
  const uint64_t interrupt_group_;  // of every PHP thread of this instance
};

}  // namespace pogo::cli
