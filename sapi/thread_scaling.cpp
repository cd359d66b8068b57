#include "sapi/thread_scaling.h"

#include <algorithm>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

namespace pogo::sapi {

unsigned auto_max_threads(uint64_t mem_available, int64_t memory_limit, unsigned cpus, unsigned at_least) {
  uint64_t ceiling = uint64_t(kAutoThreadsPerCpu) * std::max(cpus, 1u);
  if (memory_limit > 0 && mem_available > 0) {
    auto by_memory = uint64_t(double(mem_available) * kAutoMemoryShare / double(memory_limit));
    ceiling = std::min(ceiling, by_memory);
  }
  ceiling = std::min<uint64_t>(ceiling, std::numeric_limits<unsigned>::max());
  return std::max(unsigned(ceiling), at_least);
}

uint64_t mem_available_bytes() {
  std::ifstream in("/proc/meminfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("MemAvailable:", 0) != 0) continue;
    std::istringstream fields(line.substr(13));
    uint64_t kib = 0;
    fields >> kib;
    return kib * 1024;
  }
  return 0;
}

}  // namespace pogo::sapi
