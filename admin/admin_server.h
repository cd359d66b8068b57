// The admin API's server: its own HTTP server (one loop thread) on the admin address, whose one
// site hands every request to this AdminServer's own thread, where Api answers it. Requests are
// answered one at a time, in arrival order: a `POST /load` that reloads the configuration holds
// the next request until it is done, as Caddy serialises its config changes.
//
// Threads: constructor, start(), stop() and the destructor on the thread that controls the
// process (main); handle() on the loop thread; the API runs on the admin thread.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "admin/api.h"
#include "server/backend.h"
#include "server/server.h"

namespace pogo::admin {

class AdminServer : public server::Backend {
 public:
  static constexpr size_t kMaxBody = 100u << 20;  // as Caddy's maxConfigSize

  // `address`: "localhost:2019", "127.0.0.1:0", ":2019", "unix//run/pogo-admin.sock".
  AdminServer(std::string address, Control& control);
  ~AdminServer() override;
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  void start();  // binds (throws server::StartupError) and logs "admin endpoint started"
  void stop();   // answers what is queued, then closes
  const std::string& address() const { return address_; }
  std::string bound_address() const;  // "127.0.0.1:2019" once started

  void handle(std::shared_ptr<server::Exchange> exchange) override;  // loop thread

 private:
  void run();  // admin thread
  void answer(server::Exchange& exchange);

  const std::string address_;
  Api api_;
  std::unique_ptr<server::Server> server_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<server::Exchange>> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace pogo::admin
