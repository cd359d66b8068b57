// A Backend for server tests: plain C++ threads stand in for PHP. Each request runs on its own
// thread (joined when the backend is destroyed), chosen by script name:
//   /echo.php    reads the whole body; answers "method=.. path=.. info=.. query=.. body=N"
//   /stream.php  writes "first", pauses, writes "second" (chunked)
//   /big.php     writes 20 MiB in 64 KiB pieces
//   /length.php  Content-Length: 5, "hello"
//   /early.php   103 Early Hints, then 200
//   /slow.php    sleeps ~300 ms, then answers "slow done"
//   /forever.php writes until the client goes away (records the abort)
//   /head.php    records its RequestHead (last_head()), answers "ok"
//   /short.php   promises Content-Length: 10, sends 5 bytes
//   /index.php   "index" + path_info
// Threads: handle() on the loop thread; everything else on the test thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "server/backend.h"

class FakeBackend : public pogo::server::Backend {
 public:
  ~FakeBackend() override { join(); }
  void handle(std::shared_ptr<pogo::server::Exchange> ex) override;
  void join();

  pogo::server::RequestHead last_head() const {
    std::lock_guard lk(mu_);
    return last_head_;
  }

  std::atomic<int> started{0};
  std::atomic<int> finished{0};
  std::atomic<int> aborted{0};
  std::atomic<size_t> last_body_size{0};
  std::atomic<size_t> big_produced{0};    // /big.php bytes accepted by the exchange
  std::atomic<int64_t> big_write_since{0};  // steady-clock ns when the current write began, 0 = none
  // True while a /big.php write has been waiting on the response pipe for a while.
  bool big_write_blocked() const;

 private:
  void run(const std::shared_ptr<pogo::server::Exchange>& ex);
  mutable std::mutex mu_;
  std::vector<std::thread> threads_;
  pogo::server::RequestHead last_head_;
};
