// A Job is one pogo_dispatch(): the class to run, its args (a Value), the pool it goes to and the
// moment it stops being worth running (dispatch time + the pool's max_wait). Its life is a small
// state machine; every transition is a compare-and-swap, so exactly one party finishes a job:
//
//   Queued --take()--> Running --finish()--> Done (result or error)
//   Queued --cancel()--> Cancelled            (request ended without awaiting; never runs)
//   Queued --expire()--> Expired              (max_wait passed before a worker took it; never runs)
//   Queued --fail_queued()--> Done with error (pool shutting down; never runs)
//
// Completion (entering Done, Cancelled or Expired) sets the job's Event, which the awaiting
// request thread waits on (spin, yield, then futex: no polling).
//
// Threads: shared (std::shared_ptr) between the dispatching request thread, which owns the handle,
// the pool's queue, and the worker thread running it. Transitions from any of them; outcome()
// only after completed() returned true (the Event's release/acquire publishes it).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

#include "metrics/pools.h"
#include "pogo/value.h"
#include "sync/event.h"

namespace pogo::jobs {

// The hand-off primitives (sync/event.h).
using sync::Clock;
using sync::SpinPolicy;
using sync::SpinState;

class JobQueue;

enum class JobState : uint32_t { Queued, Running, Done, Cancelled, Expired };
const char* to_string(JobState state);

// Which PHP exception class an error becomes (Pogo\PoolException, ...).
enum class ErrorKind { Pool, Argument, Timeout, Handle, Job };

struct JobError {
  ErrorKind kind;
  std::string message;
};

// A C++ error that becomes a PHP exception at the PHP boundary.
class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

// A fresh handle: positive, unique in the process.
uint64_t next_job_id();

class Job {
 public:
  Job(uint64_t id, std::string class_name, Value args, std::string pool,
      std::chrono::milliseconds max_wait, Clock::time_point dispatched_at);
  Job(const Job&) = delete;
  Job& operator=(const Job&) = delete;

  const uint64_t id;
  const std::string class_name;
  const Value args;
  const std::string pool;
  const std::chrono::milliseconds max_wait;
  const Clock::time_point deadline;  // dispatch time + max_wait: a worker must have taken it by then

  JobState state() const { return state_.load(std::memory_order_acquire); }
  bool completed() const { return done_.is_set(); }

  // Queued -> Running (the worker that takes it). false: someone else finished it first.
  bool start();
  // Running -> Done. The worker thread that started it.
  void finish(Value result);
  void finish(JobError error);
  // Queued -> Cancelled / Expired / Done(error). false if it had left Queued already.
  bool cancel();
  bool expire();
  bool fail_queued(JobError error);

  // Waits for completion until the deadline (max(): no deadline); true if completed.
  // `spin`: the awaiting thread's own (see SpinState).
  bool wait_until(Clock::time_point deadline, const SpinPolicy& policy, SpinState& spin) {
    return done_.wait_until(deadline, policy, spin);
  }

  // After completed(): the result (state Done, no error) or the error (Done with error, Expired,
  // Cancelled).
  const Value& result() const { return result_; }
  const std::optional<JobError>& error() const { return error_; }

  // The queue it sits in while Queued (for eager removal on cancel); set by JobQueue::push.
  JobQueue* queue = nullptr;
  // Its pool's metrics (metrics/pools.h), set by Pool::dispatch before it is queued; null: not counted.
  metrics::PoolCounters* counters = nullptr;
  // pogo_await gave up on it (before abandoning it): its outcome is `timeout`, whatever follows.
  void timed_out() { count(metrics::JobOutcome::Timeout); }

 private:
  bool transition(JobState from, JobState to);
  void count(metrics::JobOutcome outcome);  // the first outcome counted is the job's only one
  void count_run_end();

  std::atomic<JobState> state_{JobState::Queued};
  sync::Event done_;
  Value result_;
  std::optional<JobError> error_;
  std::atomic<bool> counted_{false};
  Clock::time_point started_at_{};  // Running since (the worker thread's)
};

// "30s", "500ms", "1m30s", "1.5s": Caddy's (Go's) duration syntax, for messages.
std::string format_duration(std::chrono::milliseconds d);
// Seconds as PHP would print a float in a message: 2.0 -> "2", 0.25 -> "0.25".
std::string format_seconds(double seconds);

}  // namespace pogo::jobs
