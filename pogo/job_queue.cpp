#include "pogo/job_queue.h"

#include <algorithm>

namespace pogo::jobs {

JobQueue::JobQueue(std::string pool_name, SpinPolicy spin) : pool_name_(std::move(pool_name)), spin_(spin) {}

JobQueue::~JobQueue() { close(); }

std::string JobQueue::shutting_down_message() const {
  return "Pogo pool \"" + pool_name_ + "\" is shutting down";
}

bool JobQueue::push(const std::shared_ptr<Job>& job) {
  Signal* wake = nullptr;
  {
    std::lock_guard lock(mu_);
    if (closed_) return false;
    job->queue = this;
    jobs_.push_back(job);
    if (!idle_.empty()) {
      wake = idle_.back();
      idle_.pop_back();
    }
  }
  // Outside the lock: the worker may be parked, and a futex wake is a syscall. The worker cannot
  // leave take() before this set(), so its Signal is alive.
  if (wake) wake->set();
  return true;
}

std::shared_ptr<Job> JobQueue::take() {
  // One per thread: a worker waits in one take() at a time.
  thread_local Signal wake;
  thread_local SpinState spin;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      if (closed_) return nullptr;
      while (!jobs_.empty()) {
        std::shared_ptr<Job> job = std::move(jobs_.front());
        jobs_.pop_front();
        if (job->state() != JobState::Queued) continue;  // cancelled or expired by its awaiter
        if (Clock::now() >= job->deadline) {
          job->expire();
          continue;
        }
        if (job->start()) {
          // More work and more idle workers: pass the baton so a burst fans out.
          Signal* next = nullptr;
          if (!jobs_.empty() && !idle_.empty()) {
            next = idle_.back();
            idle_.pop_back();
          }
          lock.unlock();
          if (next) next->set();
          return job;
        }
      }
      wake.reset();
      idle_.push_back(&wake);
    }
    wake.wait_until(Clock::time_point::max(), spin_, spin);
  }
}

void JobQueue::remove(const Job& job) {
  std::lock_guard lock(mu_);
  auto it = std::find_if(jobs_.begin(), jobs_.end(), [&](const auto& j) { return j.get() == &job; });
  if (it != jobs_.end()) jobs_.erase(it);
}

void JobQueue::close() {
  std::deque<std::shared_ptr<Job>> pending;
  std::vector<Signal*> idle;
  {
    std::lock_guard lock(mu_);
    if (closed_) return;
    closed_ = true;
    pending.swap(jobs_);
    idle.swap(idle_);
  }
  const std::string message = shutting_down_message();
  for (auto& job : pending) job->fail_queued(JobError{ErrorKind::Pool, message});
  for (Signal* s : idle) s->set();
}

bool JobQueue::closed() const {
  std::lock_guard lock(mu_);
  return closed_;
}

size_t JobQueue::size() const {
  std::lock_guard lock(mu_);
  return jobs_.size();
}

}  // namespace pogo::jobs
