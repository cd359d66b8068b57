#include <doctest/doctest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "server/loop.h"
#include "test_client.h"

using pogo::server::Loop;
using pogo::server::UvHandle;

TEST_CASE("post() from many threads runs every task on the loop thread") {
  Loop loop;
  loop.start();
  std::atomic<int> ran{0}, off_thread{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([&] {
      for (int i = 0; i < 1000; ++i)
        loop.post([&] {
          if (!loop.on_loop_thread()) ++off_thread;
          ++ran;
        });
    });
  for (auto& t : ts) t.join();
  CHECK(wait_for([&] { return ran.load() == 4000; }));
  CHECK(off_thread.load() == 0);
  CHECK_FALSE(loop.on_loop_thread());
  CHECK(loop.stop());
  CHECK_FALSE(loop.post([] {}));  // closed mailbox drops the task
}

TEST_CASE("a UvHandle is freed in its close callback, after its owner is gone") {
  Loop loop;
  loop.start();
  std::atomic<bool> closed{false};
  UvHandle<uv_timer_t>* timer = new UvHandle<uv_timer_t>();
  loop.post([&] {
    timer->init(loop.uv(), uv_timer_init);
    uv_timer_start(timer->get(), [](uv_timer_t*) {}, 100000, 0);
    timer->close([&] { closed = true; });
    delete timer;  // the handle's memory outlives its owner until libuv is done
  });
  CHECK(wait_for([&] { return closed.load(); }));
  CHECK(loop.stop());

}
