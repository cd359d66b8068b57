// What one PHP thread is doing now, for the admin API's /frankenphp/threads: waiting for work
// (since when), booting a worker script, or serving a request (which one, since when), how many
// requests it has served and how much memory its script held at the end of the last one.
//
// ThreadDebugState is one thread's row as the admin API shows it (FrankenPHP's ThreadDebugState);
// ThreadActivity is where a thread keeps it up to date.
//
// Threads: ThreadActivity's writers (waiting, booting, begin, end, note_memory) are called only by
// the PHP thread it belongs to; snapshot() from any thread. A small mutex guards the strings: it is
// taken twice per request and contended only when the admin API reads.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

namespace pogo::sapi {

struct ThreadDebugState {
  std::string name;   // "Regular PHP Thread", "Worker PHP Thread - <file>", "Pogo Pool Thread - <pool>"
  std::string state;  // booting, ready, shutting down, done
  bool waiting = false;
  int64_t waiting_since_ms = 0;  // how long it has been waiting (0 when not waiting)
  std::string uri;               // the request it serves ("" when none)
  std::string method;
  int64_t request_started_at_ms = 0;  // Unix time in ms of that request's start (0 when none)
  uint64_t request_count = 0;
  uint64_t memory_usage = 0;  // bytes PHP's allocator held at the end of the last script or request
};

class ThreadActivity {
 public:
  enum class Phase { Booting, Waiting, Working };

  static int64_t unix_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

  // Waiting for work (a regular thread in its queue, a worker in frankenphp_handle_request()).
  void waiting() { set_phase(Phase::Waiting); }
  // Running something that is not a request yet: a worker script booting.
  void booting() { set_phase(Phase::Booting); }
  // A request starts (method and uri may be empty: a Pogo job).
  void begin(std::string_view method, std::string_view uri) {
    std::lock_guard lk(mu_);
    phase_ = Phase::Working;
    method_.assign(method);
    uri_.assign(uri);
    started_at_ms_ = unix_ms();
  }
  // The request has ended.
  void end() {
    std::lock_guard lk(mu_);
    method_.clear();
    uri_.clear();
    started_at_ms_ = 0;
    ++count_;
  }
  void note_memory(uint64_t bytes) {
    std::lock_guard lk(mu_);
    memory_ = bytes;
  }

  // Fills everything but name and state (the owner knows those); returns the phase.
  Phase snapshot(ThreadDebugState& out) const {
    std::lock_guard lk(mu_);
    out.waiting = phase_ == Phase::Waiting;
    out.waiting_since_ms = out.waiting ? unix_ms() - since_ms_ : 0;
    out.uri = uri_;
    out.method = method_;
    out.request_started_at_ms = started_at_ms_;
    out.request_count = count_;
    out.memory_usage = memory_;
    return phase_;
  }

 private:
  void set_phase(Phase p) {
    std::lock_guard lk(mu_);
    if (phase_ != p) since_ms_ = unix_ms();
    phase_ = p;
  }

  mutable std::mutex mu_;
  Phase phase_ = Phase::Booting;
  int64_t since_ms_ = unix_ms();
  std::string method_;
  std::string uri_;
  int64_t started_at_ms_ = 0;
  uint64_t count_ = 0;
  uint64_t memory_ = 0;
};

}  // namespace pogo::sapi
