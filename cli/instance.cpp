#include "cli/instance.h"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "pogo/php_workers.h"
#include "sapi/script_interrupt.h"
#include "server/log.h"

namespace pogo::cli {

namespace {

// Interrupts the scripts of `group` once `grace` is over, until destroyed (stop() is done).
class GraceWatchdog {
 public:
  GraceWatchdog(uint64_t group, std::chrono::milliseconds grace)
      : thread_([this, group, grace] { run(group, grace); }) {}
  ~GraceWatchdog() {
    {
      std::lock_guard lk(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  void run(uint64_t group, std::chrono::milliseconds grace) {
    std::unique_lock lk(mu_);
    if (cv_.wait_for(lk, grace, [&] { return done_; })) return;
    bool logged = false;
    do {
      unsigned n = sapi::interrupt_running_scripts(group);
      if (n && !logged) {
        log::warn("pogo", "grace period over; interrupting running PHP scripts", {{"scripts", n}});
        logged = true;
      }
    } while (!cv_.wait_for(lk, std::chrono::milliseconds(100), [&] { return done_; }));
  }

  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;  // last: started once the rest is built
};

}  // namespace

Instance::Instance(ServePlan plan) : plan_(std::move(plan)), interrupt_group_(sapi::new_interrupt_group()) {
  plan_.backend.interrupt_group = interrupt_group_;
}

Instance::~Instance() { stop(); }

void Instance::start(server::ListenSockets* inherit) {
  try {
    if (plan_.php) {
      plan_.backend.num_threads = plan_.engine.num_threads;
      backend_ = std::make_unique<sapi::PhpBackend>(plan_.backend);
      if (!plan_.pools.empty()) {
        pools_ = std::make_unique<jobs::Runtime>(plan_.pools, jobs::php_workers(jobs::kPoolMaxConsecutiveFailures, interrupt_group_));
        for (const auto& p : plan_.pools)
          log::info("pogo", "pool started", {{"pool", p.name}, {"worker", p.worker}, {"num_threads", p.num_threads},
                                              {"max_wait_ms", p.max_wait.count()}});
      }
    }
    // New requests dispatch to the new pools from the first one on (requests of a previous
    // instance still running do too: pools are found by name).
    previous_pools_ = jobs::runtime();
    jobs::set_runtime(pools_.get());
    server_ = plan_.make_server(backend_.get());
    server_->start(inherit);
  } catch (...) {
    jobs::set_runtime(previous_pools_);
    stop();
    throw;
  }
}

void Instance::stop(bool last_call) {
  if (stopped_) return;
  stopped_ = true;
  std::optional<GraceWatchdog> watchdog;
  if (backend_ || pools_) watchdog.emplace(interrupt_group_, plan_.grace_period);
  // Reverse order: in-flight requests finish (their jobs still run), then PHP threads, then pools.
  if (server_ && plan_.before_shutdown) plan_.before_shutdown();
  if (server_) server_->shutdown(last_call);
  server_.reset();
  if (backend_) backend_->stop();
  if (pools_) {
    pools_->shutdown();
    jobs::clear_runtime(pools_.get());
  }
  pools_.reset();
  backend_.reset();
}

}  // namespace pogo::cli
