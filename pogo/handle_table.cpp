#include "pogo/handle_table.h"

#include <cmath>

#include "pogo/job_queue.h"

namespace pogo::jobs {

void HandleTable::add(std::shared_ptr<Job> job) {
  uint64_t id = job->id;
  jobs_.emplace(id, std::move(job));
}

std::shared_ptr<Job> HandleTable::take(uint64_t handle) {
  auto it = jobs_.find(handle);
  if (it == jobs_.end()) return nullptr;
  std::shared_ptr<Job> job = std::move(it->second);
  jobs_.erase(it);
  return job;
}

void HandleTable::cancel_all() {
  auto jobs = std::move(jobs_);
  jobs_.clear();
  for (auto& [id, job] : jobs) abandon(*job);
}

void abandon(Job& job) {
  if (job.cancel() && job.queue) job.queue->remove(job);
}

Clock::time_point await_deadline(double timeout_seconds, Clock::time_point now) {
  if (std::isnan(timeout_seconds) || timeout_seconds < 0) {
    throw Error(ErrorKind::Argument, "Pogo await timeout must be >= 0, got " + format_seconds(timeout_seconds));
  }
  // Beyond ~100 years steady_clock would overflow; treat as forever.
  if (std::isinf(timeout_seconds) || timeout_seconds > 3e9) return Clock::time_point::max();
  return now + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout_seconds));
}

bool wait_for(Job& job, Clock::time_point deadline, const SpinPolicy& spin) {
  thread_local SpinState state;  // this thread's awaits learn together
  return wait_for(job, deadline, spin, state);
}

bool wait_for(Job& job, Clock::time_point deadline, const SpinPolicy& spin, SpinState& state) {
  for (;;) {
    if (job.completed()) return true;
    Clock::time_point until = deadline;
    if (job.state() == JobState::Queued) {
      if (Clock::now() >= job.deadline) {
        if (job.expire() && job.queue) job.queue->remove(job);
        continue;  // expired by us, or it moved on meanwhile: re-check
      }
      until = std::min(until, job.deadline);
    }
    if (job.wait_until(until, spin, state)) return true;
    if (Clock::now() >= deadline) {
      // The max_wait deadline may coincide with the await deadline: max_wait wins, it is the cause.
      if (job.state() == JobState::Queued && Clock::now() >= job.deadline) continue;
      return job.completed();
    }
  }
}

const Value& result_of(const Job& job) {
  if (job.error()) throw Error(job.error()->kind, job.error()->message);
  return job.result();
}

std::string timeout_message(double timeout_seconds) {
  return "Pogo await timed out after " + format_seconds(timeout_seconds);
}

std::string unknown_handle_message(int64_t handle) {
  return "unknown or already awaited Pogo handle " + std::to_string(handle);
}

}  // namespace pogo::jobs
