// Labelled<T> holds process-lifetime series by label (a worker's name, a pool's): made on first use,
// never removed, so counters survive a reload that replaces the objects counting into them.
// Node-based: a reference handed out stays valid for the life of the process.
//
// Threads: any.
#pragma once

#include <map>
#include <mutex>
#include <string>

namespace pogo::metrics {

template <class T>
class Labelled {
 public:
  T& get(const std::string& label) {
    std::lock_guard lock(mu_);
    return by_label_[label];
  }
  // Calls f(label, series) for each, in label order, under the lock.
  template <class F>
  void each(F&& f) const {
    std::lock_guard lock(mu_);
    for (const auto& [label, series] : by_label_) f(label, series);
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, T> by_label_;
};

}  // namespace pogo::metrics
