// A monotonic counter (Counter) and an up-and-down value (Gauge) that many threads change at once,
// sharded per thread (shard.h): add() is one relaxed atomic add on the caller's own cache line,
// value() sums the shards. A Gauge's inc and dec may come from different threads; the sum is right.
//
// Threads: add()/inc()/dec() and value() from any thread.
#pragma once

#include <array>

#include "metrics/shard.h"

namespace pogo::metrics {

template <typename T>
class Sharded {
 public:
  void add(T n) { shards_[shard_index()].v.fetch_add(n, std::memory_order_relaxed); }
  T value() const {
    T sum = 0;
    for (const auto& s : shards_) sum += s.v.load(std::memory_order_relaxed);
    return sum;
  }

 private:
  struct alignas(kCacheLine) Line {
    std::atomic<T> v{0};
  };
  std::array<Line, kShards> shards_;
};

class Counter {
 public:
  void inc() { s_.add(1); }
  void add(uint64_t n) { s_.add(n); }
  uint64_t value() const { return s_.value(); }

 private:
  Sharded<uint64_t> s_;
};

class Gauge {
 public:
  void inc() { s_.add(1); }
  void dec() { s_.add(-1); }
  void add(int64_t n) { s_.add(n); }
  int64_t value() const { return s_.value(); }

 private:
  Sharded<int64_t> s_;
};

}  // namespace pogo::metrics
