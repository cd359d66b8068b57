// From the Caddyfile's `pogo { }` block (caddyfile::PogoOptions, already validated) to the
// PoolConfig list a Runtime is built from: worker paths resolved, num_threads 0 -> 2 x CPUs,
// max_wait rounded up to whole milliseconds (so `500us` never becomes "expire at once").
//
// Threads: main thread, at start-up.
#pragma once

#include <vector>

#include "caddyfile/config.h"
#include "pogo/pool.h"

namespace pogo::jobs {

// cpus: what "2 x CPUs" counts (0: std::thread::hardware_concurrency()).
std::vector<PoolConfig> pool_configs(const caddyfile::PogoOptions& options, unsigned cpus = 0);

}  // namespace pogo::jobs
