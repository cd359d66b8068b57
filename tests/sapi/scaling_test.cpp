// Thread scaling (max_threads / max_idle_time): under load the regular threads and a worker's
// threads grow above their starting count, never above the ceilings; once idle for max_idle_time
// the added threads are removed and the starting ones stay. Every request is answered.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "sapi/php_backend.h"
#include "sapi/thread_scaling.h"
#include "sapi/worker_threads.h"
#include "tests/sapi/harness.h"

using namespace pogo::sapi;
using namespace pogo::sapi::test;
using namespace std::chrono_literals;

namespace {

bool poll(const std::function<bool()>& done, std::chrono::seconds timeout = 30s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

// Sends `n` requests for `script` (each sleeping `ms`) at once and drives them all to their end;
// `sample` is called between loop turns (to watch the thread counts while the load runs).
void load(PhpBackend& b, const std::string& script, int n, int ms, const std::function<void()>& sample) {
  std::vector<std::unique_ptr<Driver>> drivers;
  for (int i = 0; i < n; ++i) {
    drivers.push_back(std::make_unique<Driver>(
        make_head("GET", script, "ms=" + std::to_string(ms) + "&id=" + std::to_string(i)), ""));
    b.handle(drivers.back()->exchange());
  }
  bool all = poll([&] {
    sample();
    bool ended = true;
    for (auto& d : drivers) {
      d->turn();
      ended = ended && d->response().ended;
    }
    return ended;
  }, 120s);
  REQUIRE(all);
  for (int i = 0; i < n; ++i) {
    Response& r = drivers[size_t(i)]->response();
    CHECK(r.status == 200);
    CHECK(r.body == "id=" + std::to_string(i));
  }
}

}  // namespace

TEST_CASE("max_threads auto: memory_limit over MemAvailable x 0.8, capped at 32 x CPUs, at least the start") {
  constexpr uint64_t GiB = 1ull << 30, MiB = 1ull << 20;
  CHECK(auto_max_threads(8 * GiB, int64_t(128 * MiB), 4, 4) == 51);    // 8 GiB x 0.8 / 128 MiB
  CHECK(auto_max_threads(64 * GiB, int64_t(128 * MiB), 2, 4) == 64);   // the CPU cap
  CHECK(auto_max_threads(1 * GiB, int64_t(512 * MiB), 2, 4) == 4);     // never below the start
  CHECK(auto_max_threads(8 * GiB, -1, 2, 4) == 64);                    // unlimited memory_limit
  CHECK(auto_max_threads(0, int64_t(128 * MiB), 1, 2) == 32);          // MemAvailable unknown
  CHECK(mem_available_bytes() > 0);
  ensure_engine();
  BackendOptions o;
  o.num_threads = 2;
  o.max_threads = BackendOptions::kAutoMaxThreads;
  PhpBackend b(o);
  CHECK(b.max_threads() >= 2);
  CHECK(b.max_threads() <= 32 * std::max(1u, std::thread::hardware_concurrency()));
}

TEST_CASE("regular threads grow under load up to max_threads, then shrink back after max_idle_time") {
  ensure_engine();
  BackendOptions o;
  o.num_threads = 2;
  o.max_threads = 5;
  o.max_idle_time = 200ms;
  PhpBackend b(o);
  CHECK(b.max_threads() == 5);
  CHECK(b.regular_threads() == 2);
  unsigned peak = 0, peak_total = 0;
  load(b, "sleep.php", 30, 100, [&] {
    peak = std::max(peak, b.regular_threads());
    peak_total = std::max(peak_total, b.total_threads());
  });
  CHECK(peak > 2);
  CHECK(peak <= 5);
  CHECK(peak_total <= 5);
  CHECK(poll([&] { return b.regular_threads() == 2; }));
  CHECK(b.replaced_threads() == 0);
  // The starting threads stay and serve.
  CHECK(run(make_head("GET", "id.php", "id=after"), "", &b).body == "id=after");
  CHECK(b.regular_threads() == 2);
  b.stop();
  CHECK(b.regular_threads() == 0);
}

TEST_CASE("without max_threads the thread count stays at num_threads under load") {
  ensure_engine();
  BackendOptions o;
  o.num_threads = 2;
  PhpBackend b(o);
  CHECK(b.max_threads() == 2);
  unsigned peak = 0;
  load(b, "sleep.php", 10, 30, [&] { peak = std::max(peak, b.regular_threads()); });
  CHECK(peak == 2);
}

TEST_CASE("a scaled regular thread recycled by max_requests stays scaled: it still shrinks away") {
  ensure_engine();
  BackendOptions o;
  o.num_threads = 1;
  o.max_threads = 3;
  o.max_requests = 2;
  o.max_idle_time = 200ms;
  PhpBackend b(o);
  unsigned peak = 0;
  load(b, "sleep.php", 20, 60, [&] { peak = std::max(peak, b.regular_threads()); });
  CHECK(peak > 1);
  CHECK(peak <= 3);
  CHECK(b.replaced_threads() > 0);
  CHECK(poll([&] { return b.regular_threads() == 1; }));
}

TEST_CASE("worker threads grow under load within the worker's max_threads, then shrink back") {
  ensure_engine();
  BackendOptions o;
  o.num_threads = 2;  // one worker thread + one regular thread
  o.max_threads = 6;
  o.max_idle_time = 200ms;
  WorkerConfig w;
  w.file = fixtures_dir() + "/worker/slow.php";
  w.num = 1;
  w.max_threads = 3;
  o.workers.push_back(w);
  PhpBackend b(o);
  const WorkerThreads* wt = b.worker(w.file);
  REQUIRE(wt);
  CHECK(wt->live_threads() == 1);
  unsigned peak = 0, peak_total = 0;
  load(b, "worker/slow.php", 24, 100, [&] {
    peak = std::max(peak, wt->thread_count());
    peak_total = std::max(peak_total, b.total_threads());
  });
  CHECK(peak > 1);
  CHECK(peak <= 3);
  CHECK(peak_total <= 6);
  CHECK(b.regular_threads() == 1);  // only the worker's queue stalled
  CHECK(poll([&] { return wt->thread_count() == 1 && wt->live_threads() == 1; }));
  CHECK(wt->replaced_threads() == 0);  // removed, not restarted
  CHECK(run(make_head("GET", "worker/slow.php", "id=after"), "", &b).body == "id=after");
}

TEST_CASE("a worker without its own max_threads grows within the backend's max_threads") {
  ensure_engine();
  BackendOptions o;
  o.num_threads = 3;  // one worker thread + two regular threads
  o.max_threads = 4;
  o.max_idle_time = 200ms;
  WorkerConfig w;
  w.file = fixtures_dir() + "/worker/slow.php";
  w.num = 1;
  o.workers.push_back(w);
  PhpBackend b(o);
  const WorkerThreads* wt = b.worker(w.file);
  REQUIRE(wt);
  unsigned peak = 0, peak_total = 0;
  load(b, "worker/slow.php", 16, 80, [&] {
    peak = std::max(peak, wt->thread_count());
    peak_total = std::max(peak_total, b.total_threads());
  });
  CHECK(peak == 2);  // the one thread the budget leaves
  CHECK(peak_total <= 4);
  CHECK(poll([&] { return wt->thread_count() == 1; }));
  b.stop();
}
