// Sharded counters, gauges and histograms are exact when many threads write at once.
#include <doctest/doctest.h>

#include <thread>
#include <vector>

#include "metrics/counter.h"
#include "metrics/histogram.h"

using namespace pogo::metrics;

namespace {
constexpr int kThreads = 24;  // more than kShards: some threads share a shard
constexpr int kPerThread = 100000;

template <typename F>
void on_threads(F f) {
  std::vector<std::thread> ts;
  for (int t = 0; t < kThreads; ++t) ts.emplace_back([&f, t] { f(t); });
  for (auto& t : ts) t.join();
}
}  // namespace

TEST_CASE("N threads x M increments of a Counter sum to exactly N x M") {
  Counter c;
  on_threads([&](int) {
    for (int i = 0; i < kPerThread; ++i) c.inc();
  });
  CHECK(c.value() == uint64_t(kThreads) * kPerThread);
  c.add(5);
  CHECK(c.value() == uint64_t(kThreads) * kPerThread + 5);
}

TEST_CASE("a Gauge raised on some threads and lowered on others comes back to its sum") {
  Gauge g;
  on_threads([&](int t) {
    for (int i = 0; i < kPerThread; ++i) {
      if (t % 2) g.dec();
      else g.inc();
    }
  });
  CHECK(g.value() == 0);
  on_threads([&](int) { g.inc(); });
  CHECK(g.value() == kThreads);
}

TEST_CASE("a Histogram fed from many threads has exact counts and sum") {
  Histogram h({10, 100}, 1);
  on_threads([&](int t) {
    for (int i = 0; i < kPerThread; ++i) h.observe(uint64_t(t % 3 == 0 ? 5 : t % 3 == 1 ? 50 : 500));
  });
  HistogramSnapshot s = h.snapshot();
  const uint64_t per = kPerThread;
  const uint64_t small = 8 * per, mid = 8 * per, big = 8 * per;  // 24 threads: 8 of each kind
  REQUIRE(s.cumulative.size() == 3);
  CHECK(s.cumulative[0] == small);
  CHECK(s.cumulative[1] == small + mid);
  CHECK(s.cumulative[2] == small + mid + big);
  CHECK(s.count() == small + mid + big);
  CHECK(s.sum == double(small * 5 + mid * 50 + big * 500));
}

TEST_CASE("shards are cache lines apart, and a thread keeps its shard") {
  CHECK(alignof(Counter) >= kCacheLine);
  size_t first = shard_index();
  CHECK(shard_index() == first);
  CHECK(first < kShards);
}
