// CppWorkers: a WorkerLauncher whose threads are plain C++ threads running a handler function on
// each job — no PHP. For tests and benchmarks of the channel, and for pools of built-in jobs.
//
// Threads: the handler runs on the pool's threads, one job at a time per thread.
#pragma once

#include <functional>

#include "pogo/pool.h"

namespace pogo::jobs {

// Returns the job's result, or throws: Error(kind) and std::exception become a JobError of kind
// Job with what() as message.
using CppJobHandler = std::function<Value(const Job& job)>;

WorkerLauncher cpp_workers(CppJobHandler handler);

}  // namespace pogo::jobs
