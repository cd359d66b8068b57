// PhpBackend's life: threads and their states, stop() draining the queue, 503 after stop.
#include <doctest/doctest.h>

#include <memory>
#include <thread>
#include <vector>

#include "sapi/php_backend.h"
#include "tests/sapi/harness.h"

using namespace pogo::sapi::test;
using pogo::sapi::PhpBackend;
using pogo::sapi::ThreadState;

TEST_CASE("threads are Ready once booted; to_string names every state") {
  ensure_engine();
  PhpBackend backend(2);
  CHECK(backend.num_threads() == 2);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  auto all_ready = [&] {
    for (ThreadState s : backend.thread_states())
      if (s != ThreadState::Ready) return false;
    return backend.thread_states().size() == 2;
  };
  while (!all_ready() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  CHECK(all_ready());
  CHECK(std::string(pogo::sapi::to_string(ThreadState::Busy)) == "busy");
  CHECK(std::string(pogo::sapi::to_string(ThreadState::Broken)) == "broken");
}

TEST_CASE("stop() lets every queued request finish, then handle() answers 503") {
  ensure_engine();
  PhpBackend backend(1);
  std::vector<std::unique_ptr<Driver>> drivers;
  for (int i = 0; i < 8; ++i) {
    drivers.push_back(std::make_unique<Driver>(make_head("GET", "id.php", "id=" + std::to_string(i)), ""));
    backend.handle(drivers.back()->exchange());
  }
  backend.stop();  // small responses: no thread blocks on the response pipe while we do not read
  for (int i = 0; i < 8; ++i) {
    Response& r = drivers[i]->wait();
    CHECK(r.status == 200);
    CHECK(r.body == "id=" + std::to_string(i));
  }
  Driver late(make_head("GET", "hello.php"), "");
  backend.handle(late.exchange());
  Response& r = late.wait();
  CHECK(r.status == 503);
  CHECK(backend.thread_states().empty());
}
