#include "metrics/histogram.h"

#include <stdexcept>

namespace pogo::metrics {

std::vector<double> default_duration_buckets() { return {.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}; }

std::vector<double> exponential_buckets(double start, double factor, size_t count) {
  std::vector<double> out;
  for (size_t i = 0; i < count; ++i, start *= factor) out.push_back(start);
  return out;
}

Histogram::Histogram(std::vector<double> bounds, double scale) : bounds_(std::move(bounds)), scale_(scale) {
  if (bounds_.size() > kMaxBuckets) throw std::invalid_argument("histogram: too many buckets");
  n_ = bounds_.size();
  for (size_t i = 0; i < n_; ++i) {
    if (i && bounds_[i] <= bounds_[i - 1]) throw std::invalid_argument("histogram: bounds must ascend");
    raw_bounds_[i] = bounds_[i] * scale_;
  }
}

void Histogram::observe(uint64_t raw) {
  const double v = double(raw);
  size_t b = 0;
  while (b < n_ && v > raw_bounds_[b]) ++b;  // le: a value equal to a bound belongs to it
  Line& line = shards_[shard_index()];
  line.buckets[b].fetch_add(1, std::memory_order_relaxed);
  line.sum.fetch_add(raw, std::memory_order_relaxed);
}

HistogramSnapshot Histogram::snapshot() const {
  HistogramSnapshot s;
  s.bounds = bounds_;
  s.cumulative.assign(n_ + 1, 0);
  uint64_t sum = 0;
  for (const Line& line : shards_) {
    for (size_t b = 0; b <= n_; ++b) s.cumulative[b] += line.buckets[b].load(std::memory_order_relaxed);
    sum += line.sum.load(std::memory_order_relaxed);
  }
  for (size_t b = 1; b <= n_; ++b) s.cumulative[b] += s.cumulative[b - 1];
  s.sum = double(sum) / scale_;
  return s;
}

}  // namespace pogo::metrics
