// The time the certificate code reads: certificate lifetimes, renewal windows and retry delays are
// all measured with a Clock, so tests can move time forward by hours without waiting.
//
// Threads: a Clock is called from whichever thread asks the time; the default one (the system
// clock) is safe everywhere, and a test's fake must be too.
#pragma once

#include <chrono>
#include <functional>

namespace pogo::tls {

using TimePoint = std::chrono::system_clock::time_point;
using Clock = std::function<TimePoint()>;

inline Clock system_clock() {
  return [] { return std::chrono::system_clock::now(); };
}

}  // namespace pogo::tls
