// Test harness for sapi/: the PHP engine started once per test process, a shared PhpBackend, and
// Exchanges built by hand and driven the way a loop thread would (no sockets): push the body
// respecting the pipe's pause/resume, take the response events, acknowledge written bytes.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "sapi/php_backend.h"
#include "server/exchange.h"

namespace pogo::sapi::test {

// Extra php.ini overrides for this test process; call before anything starts the engine.
void configure_engine(std::vector<std::pair<std::string, std::string>> extra_ini);

// The engine (started on first use, stopped at exit) and a backend of 4 threads on it.
PhpBackend& shared_backend();
void ensure_engine();

// A request for tests/sapi/fixtures/<script>, as routing would have resolved it.
server::RequestHead make_head(const std::string& method, const std::string& script,
                              const std::string& query = "", std::vector<server::Header> headers = {});

struct Response {
  int status = 0;
  std::vector<server::Header> headers;
  std::vector<std::string> chunks;  // one per Data event, in order
  std::string body;
  bool ended = false;
  bool failed = false;  // ended by Exchange::fail(), not finish()
  std::vector<server::Exchange::Event::Kind> kinds;  // every event, in order

  const std::string* header(const std::string& name) const;
  size_t header_count(const std::string& name) const;
};

// Drives one exchange to its End (or throws after `timeout`).
class Driver {
 public:
  // manual_body: the test pushes the body itself (exchange()->push_body / end_body).
  Driver(server::RequestHead head, std::string body, bool manual_body = false);
  std::shared_ptr<server::Exchange> exchange() { return ex_; }
  // One loop turn: push what the body pipe takes, take events. True once End was seen.
  bool turn();
  // Polls turn() until End or the deadline.
  Response& wait(std::chrono::seconds timeout = std::chrono::seconds(30));
  // Polls until pred(response) or the deadline; false on timeout.
  template <class Pred>
  bool wait_until(Pred pred, std::chrono::seconds timeout = std::chrono::seconds(30)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!pred(resp_)) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      if (!turn()) nap();
    }
    return true;
  }
  Response& response() { return resp_; }

 private:
  void nap();
  std::shared_ptr<server::Exchange> ex_;
  std::string body_;
  size_t body_off_ = 0;
  bool body_ended_ = false;
  bool body_paused_ = false;
  Response resp_;
};

// Runs one request on `backend` (the shared one by default) to completion.
Response run(server::RequestHead head, std::string body = "", PhpBackend* backend = nullptr);

std::string fixtures_dir();

}  // namespace pogo::sapi::test
