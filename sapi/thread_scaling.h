// How the PHP backend grows and shrinks its threads (FrankenPHP's max_threads / max_idle_time):
// the numbers it decides with, the `max_threads auto` ceiling, and the StartGate that keeps the
// checker from adding a second thread to a queue while the one it just added is still booting.
//
// Growth: the backend's checker thread looks at every queue every kCheckInterval; a queue whose
// oldest request has waited kStallThreshold (5 ms, FrankenPHP's minimum stall time) while none of
// its threads is idle gets one more thread (a regular thread, or a worker thread, which boots its
// script first), as long as the total stays within max_threads (and the worker's own max_threads).
// At most one thread per queue per check, and none while that queue's last added thread has not
// yet started taking requests: a slow-booting worker is not flooded with siblings.
//
// Shrink: a thread added by scaling that got no request for max_idle_time (default 5 s) ends and is
// removed; the threads the backend started with never do.
//
// `max_threads auto`: FrankenPHP estimates the ceiling from php.ini's memory_limit and the
// machine's memory. Pogo takes MemAvailable (from /proc/meminfo, at start-up) x 0.8 / memory_limit
// — how many threads could each use their whole memory_limit without swapping — capped at 32 x
// CPUs (past that, more threads only add contention), and never below the threads started with.
// An unlimited memory_limit (-1) or an unknown MemAvailable leaves the 32 x CPUs cap.
//
// Threads: auto_max_threads()/mem_available_bytes() any thread; StartGate::issue()/open() the
// backend's checker thread, a Ticket is released by the PHP thread that holds it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <utility>

namespace pogo::sapi {

inline constexpr std::chrono::milliseconds kStallThreshold{5};
inline constexpr std::chrono::milliseconds kCheckInterval{5};
inline constexpr unsigned kAutoThreadsPerCpu = 32;
inline constexpr double kAutoMemoryShare = 0.8;

// The `max_threads auto` ceiling (see above). memory_limit <= 0: unlimited; mem_available 0: unknown.
unsigned auto_max_threads(uint64_t mem_available, int64_t memory_limit, unsigned cpus, unsigned at_least);
// MemAvailable of /proc/meminfo in bytes; 0 when it cannot be read.
uint64_t mem_available_bytes();

// Threads added by scaling that have not yet reached their queue.
class StartGate {
 public:
  // Held by one new thread's strategy; released when the thread first waits for work, or when it
  // ends without ever getting there (released at the latest when destroyed).
  class Ticket {
   public:
    Ticket() = default;
    Ticket(Ticket&& o) noexcept : gate_(std::exchange(o.gate_, nullptr)) {}
    Ticket& operator=(Ticket&& o) noexcept {
      release();
      gate_ = std::exchange(o.gate_, nullptr);
      return *this;
    }
    ~Ticket() { release(); }
    void release() {
      if (gate_) std::exchange(gate_, nullptr)->pending_.fetch_sub(1, std::memory_order_acq_rel);
    }

   private:
    friend class StartGate;
    explicit Ticket(StartGate* gate) : gate_(gate) {}
    StartGate* gate_ = nullptr;
  };

  Ticket issue() {
    pending_.fetch_add(1, std::memory_order_acq_rel);
    return Ticket(this);
  }
  bool open() const { return pending_.load(std::memory_order_acquire) == 0; }

 private:
  std::atomic<unsigned> pending_{0};
};

}  // namespace pogo::sapi
