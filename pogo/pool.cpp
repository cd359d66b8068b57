#include "pogo/pool.h"

namespace pogo::jobs {

Pool::Pool(PoolConfig config, const WorkerLauncher& launcher, SpinPolicy spin)
    : config_(std::move(config)), counters_(metrics::pool_counters(config_.name)), queue_(config_.name, spin) {
  workers_ = launcher(config_, queue_);
}

Pool::~Pool() { shutdown(); }

std::shared_ptr<Job> Pool::dispatch(std::string class_name, Value args) {
  auto job = std::make_shared<Job>(next_job_id(), std::move(class_name), std::move(args), config_.name,
                                   config_.max_wait, Clock::now());
  job->counters = &counters_;
  if (!queue_.push(job)) throw Error(ErrorKind::Pool, queue_.shutting_down_message());
  return job;
}

void Pool::shutdown() {
  queue_.close();
  if (workers_) workers_->join();
}

}  // namespace pogo::jobs
