// The WorkerLauncher of real pools: each pool's threads are sapi/ worker threads (WorkerThreads)
// running the pool's worker script, each pulling jobs through its own PhpJobSource over the pool's
// JobQueue. A worker script that dies while running a job fails that job (kWorkerDied) and is
// restarted; one that never reaches frankenphp_handle_request makes the launch throw after
// max_consecutive_failures boots.
//
// Threads: the launcher runs on the thread that builds the Runtime (main thread); the engine must
// be running (engine_start with module_entry() among extra_modules).
#pragma once

#include <cstdint>

#include "pogo/pool.h"

namespace pogo::jobs {

// max_consecutive_failures: failed boots in a row before the pool fails to start (0 = never);
// interrupt_group: of the pools' threads (sapi/script_interrupt.h).
inline constexpr unsigned kPoolMaxConsecutiveFailures = 6;
WorkerLauncher php_workers(unsigned max_consecutive_failures = kPoolMaxConsecutiveFailures,
                           uint64_t interrupt_group = 0);

}  // namespace pogo::jobs
