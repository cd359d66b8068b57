#include "pogo/php_workers.h"

#include <stdexcept>

#include "pogo/php_job_source.h"
#include "sapi/worker_threads.h"

namespace pogo::jobs {
namespace {

class PhpWorkerGroup final : public WorkerGroup {
 public:
  PhpWorkerGroup(sapi::WorkerConfig config, JobQueue& queue)
      : threads_(std::move(config), [&queue] { return std::make_unique<PhpJobSource>(queue); }) {}
  ~PhpWorkerGroup() override { join(); }

  unsigned live_threads() const override { return threads_.live_threads(); }
  void debug_states(const std::string& name, std::vector<sapi::ThreadDebugState>& out) const override {
    threads_.debug_states(name, out);
  }
  void join() override {
    threads_.stop();
    threads_.join();
  }
  bool wait_started(std::string& error) { return threads_.wait_started(error); }

 private:
  sapi::WorkerThreads threads_;
};

}  // namespace

WorkerLauncher php_workers(unsigned max_consecutive_failures, uint64_t interrupt_group) {
  return [max_consecutive_failures, interrupt_group](const PoolConfig& pool,
                                                     JobQueue& queue) -> std::unique_ptr<WorkerGroup> {
    sapi::WorkerConfig config;
    config.file = pool.worker;
    config.num = pool.num_threads;
    config.name = "pogo pool " + pool.name;
    config.max_consecutive_failures = max_consecutive_failures;
    config.interrupt_group = interrupt_group;
    auto group = std::make_unique<PhpWorkerGroup>(std::move(config), queue);
    std::string error;
    if (!group->wait_started(error)) {
      queue.close();  // releases the threads that did start
      group->join();
      throw std::runtime_error(error);
    }
    return group;
  };
}

}  // namespace pogo::jobs
