#include "pogo/job.h"

#include <cstdio>
#include <cstdlib>

namespace pogo::jobs {

const char* to_string(JobState state) {
  switch (state) {
    case JobState::Queued: return "queued";
    case JobState::Running: return "running";
    case JobState::Done: return "done";
    case JobState::Cancelled: return "cancelled";
    case JobState::Expired: return "expired";
  }
  return "?";
}

uint64_t next_job_id() {
  static std::atomic<uint64_t> counter{0};
  return counter.fetch_add(1, std::memory_order_relaxed) + 1;
}

Job::Job(uint64_t id_, std::string class_name_, Value args_, std::string pool_,
         std::chrono::milliseconds max_wait_, Clock::time_point dispatched_at)
    : id(id_),
      class_name(std::move(class_name_)),
      args(std::move(args_)),
      pool(std::move(pool_)),
      max_wait(max_wait_),
      deadline(dispatched_at + max_wait_) {}

bool Job::transition(JobState from, JobState to) {
  return state_.compare_exchange_strong(from, to, std::memory_order_acq_rel, std::memory_order_acquire);
}

bool Job::start() {
  if (!transition(JobState::Queued, JobState::Running)) return false;
  if (counters) {
    started_at_ = Clock::now();
    counters->busy.inc();
    auto waited = std::chrono::duration_cast<std::chrono::nanoseconds>(started_at_ - (deadline - max_wait)).count();
    counters->queue_wait.observe(waited > 0 ? uint64_t(waited) : 0);
  }
  return true;
}

void Job::count(metrics::JobOutcome outcome) {
  if (counters && !counted_.exchange(true, std::memory_order_acq_rel)) counters->jobs[size_t(outcome)].inc();
}

void Job::count_run_end() {
  if (!counters) return;
  counters->busy.dec();
  auto ran = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - started_at_).count();
  counters->run.observe(ran > 0 ? uint64_t(ran) : 0);
}

void Job::finish(Value result) {
  count_run_end();
  count(metrics::JobOutcome::Ok);  // before done_.set(): an awaiter that sees it done sees it counted
  result_ = std::move(result);
  state_.store(JobState::Done, std::memory_order_release);
  done_.set();
}

void Job::finish(JobError error) {
  count_run_end();
  count(metrics::JobOutcome::Error);
  error_ = std::move(error);
  state_.store(JobState::Done, std::memory_order_release);
  done_.set();
}

bool Job::cancel() {
  if (!transition(JobState::Queued, JobState::Cancelled)) return false;
  count(metrics::JobOutcome::Cancelled);
  error_ = JobError{ErrorKind::Handle, "Pogo job was cancelled"};
  done_.set();
  return true;
}

bool Job::expire() {
  if (!transition(JobState::Queued, JobState::Expired)) return false;
  count(metrics::JobOutcome::Expired);
  error_ = JobError{ErrorKind::Timeout, "Pogo job waited longer than max_wait (" + format_duration(max_wait) +
                                            ") for a free worker in pool \"" + pool + "\""};
  done_.set();
  return true;
}

bool Job::fail_queued(JobError error) {
  if (!transition(JobState::Queued, JobState::Done)) return false;
  count(metrics::JobOutcome::Error);  // the pool shut down before it ran
  error_ = std::move(error);
  done_.set();
  return true;
}

std::string format_duration(std::chrono::milliseconds d) {
  long long ms = d.count();
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;
  }
  if (ms < 1000) return out + std::to_string(ms) + "ms";
  long long h = ms / 3600000, m = ms / 60000 % 60, s = ms / 1000 % 60, frac = ms % 1000;
  if (h) out += std::to_string(h) + "h";
  if (h || m) out += std::to_string(m) + "m";
  out += std::to_string(s);
  if (frac) {
    char buf[8];
    std::snprintf(buf, sizeof buf, ".%03lld", frac);
    std::string f = buf;
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  return out + "s";
}

std::string format_seconds(double seconds) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", seconds);
  // Shortest text that round-trips, like PHP's serialize_precision = -1.
  for (int prec = 1; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*g", prec, seconds);
    if (std::strtod(buf, nullptr) == seconds) break;
  }
  return std::string(buf) + "s";
}

}  // namespace pogo::jobs
