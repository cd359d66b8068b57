#include "pogo/runtime.h"

#include <atomic>
#include <stdexcept>

namespace pogo::jobs {

Runtime::Runtime(const std::vector<PoolConfig>& pools, const WorkerLauncher& launcher, SpinPolicy spin)
    : spin_(spin) {
  for (const auto& config : pools) {
    if (config.name.empty()) throw std::invalid_argument("pogo pool name must not be empty");
    if (config.num_threads == 0) throw std::invalid_argument("pogo pool \"" + config.name + "\" needs num_threads >= 1");
    if (pools_.count(config.name)) throw std::invalid_argument("duplicate pogo pool \"" + config.name + "\"");
    pools_.emplace(config.name, std::make_unique<Pool>(config, launcher, spin));
  }
  // Two runtimes alive during a reload report the same pool twice: the Writer sums them.
  metrics_ = metrics::add_collector([this](metrics::Writer& w) {
    namespace pp = metrics::pogo_pool;
    for (auto& [name, pool] : pools_) {
      metrics::Labels l{{"pool", name}};
      w.gauge(pp::kWorkers, pp::kWorkersHelp, l, pool->size());
      w.gauge(pp::kQueueDepth, pp::kQueueDepthHelp, l, double(pool->queue().size()));
    }
  });
}

Runtime::~Runtime() { shutdown(); }

Pool* Runtime::find(std::string_view name) const {
  auto it = pools_.find(name);
  return it == pools_.end() ? nullptr : it->second.get();
}

std::vector<sapi::ThreadDebugState> Runtime::debug_states() const {
  std::vector<sapi::ThreadDebugState> out;
  for (const auto& [name, pool] : pools_) pool->debug_states(out);
  return out;
}

void Runtime::shutdown() {
  // Close every queue first so no pool waits on another's jobs while being joined.
  for (auto& [name, pool] : pools_) pool->queue().close();
  for (auto& [name, pool] : pools_) pool->shutdown();
}

namespace {
std::atomic<Runtime*> g_runtime{nullptr};
}

void set_runtime(Runtime* r) { g_runtime.store(r, std::memory_order_release); }
Runtime* runtime() { return g_runtime.load(std::memory_order_acquire); }
void clear_runtime(Runtime* r) { g_runtime.compare_exchange_strong(r, nullptr, std::memory_order_acq_rel); }

}  // namespace pogo::jobs
