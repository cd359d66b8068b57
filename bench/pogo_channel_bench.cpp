// The job channel's round trip between two threads: a "request" thread dispatches a no-op job to a
// one-thread pool of plain C++ workers and awaits it — the path of a Pogo job minus PHP. Compared
// with a std::condition_variable ping-pong (what an always-sleeping design costs) and with the
// channel configured never to spin (SpinPolicy{0, 0}). Also measured with CPU hogs on both cores,
// to see that bounded spinning degrades gracefully instead of starving others.
//
//   cmake --build build --target pogo_channel_bench && ./build/tests/pogo/pogo_channel_bench
#include <condition_variable>
#include <cstdlib>
#include <mutex>

#include "bench/pogo_bench_util.h"
#include "pogo/cpp_workers.h"
#include "pogo/handle_table.h"

using namespace pogo::jobs;
using namespace std::chrono;

namespace {

std::vector<double> channel_round_trips(int n, SpinPolicy spin, microseconds gap = microseconds(0)) {
  Pool pool(PoolConfig{"default", "-", 1, seconds(30)}, cpp_workers([](const Job&) { return Value(); }), spin);
  std::vector<double> us;
  us.reserve(n);
  Value args = Value::from_json(R"({"sku":"A-100"})");
  for (int i = 0; i < n + 1000; ++i) {
    auto t0 = steady_clock::now();
    auto job = pool.dispatch("Noop", args);
    wait_for(*job, Clock::time_point::max(), spin);  // adaptive: see SpinState
    auto t1 = steady_clock::now();
    if (i >= 1000) us.push_back(duration<double, std::micro>(t1 - t0).count());
    if (gap.count()) std::this_thread::sleep_for(gap);
  }
  return us;
}

std::vector<double> condvar_round_trips(int n) {
  std::mutex mu;
  std::condition_variable cv_req, cv_resp;
  int req = 0, resp = 0;
  bool stop = false;
  std::thread worker([&] {
    std::unique_lock lock(mu);
    for (;;) {
      cv_req.wait(lock, [&] { return req != resp || stop; });
      if (stop) return;
      resp = req;
      cv_resp.notify_one();
    }
  });
  std::vector<double> us;
  for (int i = 0; i < n + 1000; ++i) {
    auto t0 = steady_clock::now();
    {
      std::unique_lock lock(mu);
      ++req;
      cv_req.notify_one();
      cv_resp.wait(lock, [&] { return resp == req; });
    }
    auto t1 = steady_clock::now();
    if (i >= 1000) us.push_back(duration<double, std::micro>(t1 - t0).count());
  }
  {
    std::lock_guard lock(mu);
    stop = true;
  }
  cv_req.notify_one();
  worker.join();
  return us;
}

}  // namespace

int main(int argc, char** argv) {
  using pogo::bench::print;
  using pogo::bench::stats;
  const int n = argc > 1 ? std::atoi(argv[1]) : 20000;
  auto spin = [](int pause_us, int yield_us) { return SpinPolicy{microseconds(pause_us), microseconds(yield_us)}; };
  std::printf("pogo channel round trip (dispatch no-op job -> C++ worker -> await), %d iterations\n", n);
  print("condition_variable ping-pong (baseline)", stats(condvar_round_trips(n)));
  struct Variant {
    const char* name;
    SpinPolicy policy;
  } variants[] = {
      {"channel, never spins (park at once)", spin(0, 0)},
      {"channel, spin 5us then park", spin(5, 0)},
      {"channel, spin 20us then park (default)", SpinPolicy{}},
      {"channel, spin 50us then park", spin(50, 0)},
      {"channel, spin 5us + yield 50us then park", spin(5, 50)},
  };
  for (auto& v : variants) print(v.name, stats(channel_round_trips(n, v.policy)));
  print("default, 100us idle gap between jobs", stats(channel_round_trips(n / 10, SpinPolicy{}, microseconds(100))));
  {
    pogo::bench::Hogs hogs(2);
    std::printf("-- with 2 CPU-bound threads competing for the 2 cores --\n");
    print("condition_variable ping-pong (baseline)", stats(condvar_round_trips(n / 10)));
    for (auto& v : variants) print(v.name, stats(channel_round_trips(n / 10, v.policy)));
  }
  return 0;
}
