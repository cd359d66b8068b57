#include "pogo/config.h"

#include <thread>

namespace pogo::jobs {

std::vector<PoolConfig> pool_configs(const caddyfile::PogoOptions& options, unsigned cpus) {
  if (cpus == 0) cpus = std::max(1u, std::thread::hardware_concurrency());
  std::vector<PoolConfig> out;
  for (const auto& pool : options.pools) {
    PoolConfig c;
    c.name = pool.name;
    c.worker = pool.worker_path.empty() ? pool.worker : pool.worker_path;
    c.num_threads = pool.num_threads > 0 ? static_cast<unsigned>(pool.num_threads) : 2 * cpus;
    c.max_wait = std::chrono::ceil<std::chrono::milliseconds>(pool.max_wait);
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace pogo::jobs
