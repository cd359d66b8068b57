#include "pogo/cpp_workers.h"

#include <atomic>
#include <thread>
#include <vector>

namespace pogo::jobs {
namespace {

class CppWorkerGroup final : public WorkerGroup {
 public:
  CppWorkerGroup(unsigned n, JobQueue& queue, CppJobHandler handler) : handler_(std::move(handler)) {
    for (unsigned i = 0; i < n; ++i) threads_.emplace_back([this, &queue] { loop(queue); });
  }
  ~CppWorkerGroup() override { join(); }
  unsigned live_threads() const override { return live_.load(std::memory_order_relaxed); }
  void join() override {
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }

 private:
  void loop(JobQueue& queue) {
    live_.fetch_add(1);
    while (std::shared_ptr<Job> job = queue.take()) {
      try {
        job->finish(handler_(*job));
      } catch (const std::exception& e) {
        job->finish(JobError{ErrorKind::Job, e.what()});
      }
    }
    live_.fetch_sub(1);
  }

  CppJobHandler handler_;
  std::atomic<unsigned> live_{0};
  std::vector<std::thread> threads_;
};

}  // namespace

WorkerLauncher cpp_workers(CppJobHandler handler) {
  return [handler = std::move(handler)](const PoolConfig& config, JobQueue& queue) {
    return std::make_unique<CppWorkerGroup>(config.num_threads, queue, handler);
  };
}

}  // namespace pogo::jobs
