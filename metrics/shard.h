// Sharding for counters written on hot paths: each writing thread adds to its own cache line of
// relaxed atomics (no lock, no contention, no false sharing), and a reader sums the lines. A thread
// picks its shard once, round robin, the first time it counts; more threads than shards share
// lines, which stays correct (the adds are atomic) and only costs some contention.
//
// Threads: any.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace pogo::metrics {

inline constexpr size_t kShards = 16;
inline constexpr size_t kCacheLine = 64;

// The calling thread's shard, in [0, kShards).
size_t shard_index();

}  // namespace pogo::metrics
