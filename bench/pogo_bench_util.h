// Small helpers shared by the bench/pogo_*.cpp benchmarks: percentiles and CPU hogs.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

namespace pogo::bench {

struct Stats {
  double median_us, p99_us, mean_us;
};

inline Stats stats(std::vector<double> us) {
  std::sort(us.begin(), us.end());
  double sum = 0;
  for (double v : us) sum += v;
  return {us[us.size() / 2], us[std::min(us.size() - 1, us.size() * 99 / 100)], sum / us.size()};
}

inline void print(const char* what, const Stats& s) {
  std::printf("%-58s median %8.2f us   p99 %8.2f us   mean %8.2f us\n", what, s.median_us, s.p99_us, s.mean_us);
}

// Threads that burn CPU (other PHP threads under load) until destroyed.
class Hogs {
 public:
  explicit Hogs(int n) {
    for (int i = 0; i < n; ++i)
      threads_.emplace_back([this] {
        volatile unsigned long x = 0;
        while (!stop_.load(std::memory_order_relaxed)) x = x + 1;
      });
  }
  ~Hogs() {
    stop_ = true;
    for (auto& t : threads_) t.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

}  // namespace pogo::bench
