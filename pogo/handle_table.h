// The handles one request has dispatched and not yet awaited. A handle belongs to the request
// that dispatched it: another request's table does not know it, so awaiting it there is
// "unknown". Awaiting takes the handle out, whatever the outcome; the request's end cancels what
// is left (abandon(): a queued job is removed and never runs, a running one finishes and its
// result is dropped with the last reference).
//
// Threads: one table per PHP thread, used only by the request running on it (see functions.cpp);
// the jobs it points to are shared with the pools' threads.
#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>

#include "pogo/job.h"

namespace pogo::jobs {

class HandleTable {
 public:
  void add(std::shared_ptr<Job> job);
  // Removes and returns the job, or nullptr if the handle is not (or no longer) this request's.
  std::shared_ptr<Job> take(uint64_t handle);
  bool contains(uint64_t handle) const { return jobs_.count(handle) != 0; }
  size_t size() const { return jobs_.size(); }
  // Request end: abandons every job left.
  void cancel_all();

 private:
  std::unordered_map<uint64_t, std::shared_ptr<Job>> jobs_;
};

// The request gave up on the job: if still queued it is cancelled and removed from its queue.
void abandon(Job& job);

// The deadline of an await of `timeout_seconds` from now. Throws Error(Argument) for a negative
// or NaN timeout; INF means no deadline.
Clock::time_point await_deadline(double timeout_seconds, Clock::time_point now);

// Waits until the job completes or `deadline` passes (timeout 0: checks once, never waits). A job
// still queued past its own max_wait deadline is expired here, so the awaiting request learns of
// it on time even when no worker comes by. Returns true if completed.
// `state` is what the calling thread has learnt about spinning at this call site (sync/event.h):
// a site whose waits outlast the spin (the first wait of a fan-out of 10 ms jobs) learns to park
// at once and leaves the cores to the workers; one whose jobs end within the spin keeps spinning.
bool wait_for(Job& job, Clock::time_point deadline, const SpinPolicy& spin, SpinState& state);
// The same with one SpinState for every such call of the thread.
bool wait_for(Job& job, Clock::time_point deadline, const SpinPolicy& spin);

// After completion: the result, or throws the job's error as Error.
const Value& result_of(const Job& job);

// "Pogo await timed out after 2s"
std::string timeout_message(double timeout_seconds);
// "unknown or already awaited Pogo handle 42"
std::string unknown_handle_message(int64_t handle);

}  // namespace pogo::jobs
