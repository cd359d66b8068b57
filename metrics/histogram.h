// A Prometheus histogram fed from many threads: observe() finds the value's bucket and adds to it,
// to the sum, on the caller's shard (shard.h) — relaxed atomics, no lock, no allocation. Values are
// integers in a raw unit (nanoseconds, bytes); `scale` raw units make one exposed unit (1e9 for
// seconds from nanoseconds, 1 for bytes), so the bounds are given as exposed and the sum is exact.
// snapshot() sums the shards into cumulative buckets, the shape the text format wants.
//
// Threads: observe() and snapshot() from any thread. Bounds are fixed at construction.
#pragma once

#include <array>
#include <vector>

#include "metrics/shard.h"

namespace pogo::metrics {

inline constexpr size_t kMaxBuckets = 15;  // finite bounds; +Inf is one more

// prometheus.DefBuckets (seconds).
std::vector<double> default_duration_buckets();
// prometheus.ExponentialBuckets(start, factor, count).
std::vector<double> exponential_buckets(double start, double factor, size_t count);

struct HistogramSnapshot {
  std::vector<double> bounds;       // finite upper bounds, ascending
  std::vector<uint64_t> cumulative;  // bounds.size() + 1 (the last is +Inf = count)
  double sum = 0;                    // in exposed units
  uint64_t count() const { return cumulative.empty() ? 0 : cumulative.back(); }
};

class Histogram {
 public:
  // Throws std::invalid_argument for more than kMaxBuckets bounds or bounds not ascending.
  Histogram(std::vector<double> bounds, double scale);
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  void observe(uint64_t raw);
  HistogramSnapshot snapshot() const;

 private:
  struct alignas(kCacheLine) Line {
    std::array<std::atomic<uint64_t>, kMaxBuckets + 1> buckets{};
    std::atomic<uint64_t> sum{0};
  };
  std::vector<double> bounds_;
  std::array<double, kMaxBuckets> raw_bounds_{};  // bounds_ x scale
  size_t n_ = 0;
  double scale_;
  std::array<Line, kShards> shards_;
};

}  // namespace pogo::metrics
