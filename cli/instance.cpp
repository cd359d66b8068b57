#include "cli/instance.h"

#include "pogo/php_workers.h"
#include "server/log.h"

namespace pogo::cli {

Instance::Instance(ServePlan plan) : plan_(std::move(plan)) {}

Instance::~Instance() { stop(); }

void Instance::start(server::ListenSockets* inherit) {
  try {
    if (plan_.php) {
      plan_.backend.num_threads = plan_.engine.num_threads;
      backend_ = std::make_unique<sapi::PhpBackend>(plan_.backend);
      if (!plan_.pools.empty()) {
        pools_ = std::make_unique<jobs::Runtime>(plan_.pools, jobs::php_workers());
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
  // Reverse order: in-flight requests finish (their jobs still run), then PHP threads, then pools.
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
