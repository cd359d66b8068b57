#include "pogo/job_queue.h"

namespace pogo::jobs {

JobQueue::JobQueue(std::string pool_name, SpinPolicy spin) : pool_name_(std::move(pool_name)), jobs_(spin) {}

JobQueue::~JobQueue() { close(); }

std::string JobQueue::shutting_down_message() const {
  return "Pogo pool \"" + pool_name_ + "\" is shutting down";
}

bool JobQueue::push(const std::shared_ptr<Job>& job) {
  // Set before the job is visible to a worker or a canceller; the dispatching thread owns it until then.
  job->queue = this;
  if (jobs_.push(job)) return true;
  job->queue = nullptr;
  return false;
}

std::shared_ptr<Job> JobQueue::take() {
  for (;;) {
    auto p = jobs_.pop();
    if (p.status != sync::HandoffQueue<std::shared_ptr<Job>>::Status::Item) return nullptr;  // closed
    std::shared_ptr<Job>& job = p.item;
    if (job->state() != JobState::Queued) continue;  // cancelled or expired by its awaiter
    if (Clock::now() >= job->deadline) {
      job->expire();
      continue;
    }
    if (job->start()) return std::move(job);
  }
}

void JobQueue::remove(const Job& job) {
  jobs_.remove_first([&](const std::shared_ptr<Job>& j) { return j.get() == &job; });
}

void JobQueue::close() {
  if (jobs_.closed()) return;
  const std::string message = shutting_down_message();
  for (auto& job : jobs_.close(/*take_items=*/true)) job->fail_queued(JobError{ErrorKind::Pool, message});
}

bool JobQueue::closed() const { return jobs_.closed(); }

size_t JobQueue::size() const { return jobs_.size(); }

}  // namespace pogo::jobs
