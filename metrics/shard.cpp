#include "metrics/shard.h"

namespace pogo::metrics {

size_t shard_index() {
  static std::atomic<size_t> next{0};
  thread_local const size_t mine = next.fetch_add(1, std::memory_order_relaxed) % kShards;
  return mine;
}

}  // namespace pogo::metrics
