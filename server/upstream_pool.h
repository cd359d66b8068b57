// An UpstreamPool keeps one loop's idle keep-alive connections to reverse_proxy upstreams, per
// upstream (of one reverse_proxy: its transport settings decide how many stay, and how long), the
// most recently used first. A connection the upstream closes while it waits leaves the pool.
//
// Threads: the owning loop's thread only.
#pragma once

#include <memory>
#include <unordered_map>
#include <vector>

#include "server/proxy.h"
#include "server/upstream_conn.h"

namespace pogo::server {

class UpstreamPool {
 public:
  UpstreamPool() = default;
  ~UpstreamPool() { close_all(); }
  UpstreamPool(const UpstreamPool&) = delete;
  UpstreamPool& operator=(const UpstreamPool&) = delete;

  // An idle connection to `u`, or nullptr.
  UpstreamConn* take(const UpstreamAddress* u);
  // Keeps `c` for the next request to `u` when `s` allows it; closes it otherwise.
  void put(const UpstreamAddress* u, UpstreamConn* c, const ProxySettings& s);
  size_t idle(const UpstreamAddress* u) const;
  // Loop shutdown: every idle connection is closed.
  void close_all();

 private:
  struct Slot {
    UpstreamPool* pool;
    std::vector<UpstreamConn*> idle;
  };
  static void on_lost(void* ctx, UpstreamConn* c);

  std::unordered_map<const UpstreamAddress*, std::unique_ptr<Slot>> slots_;
};

}  // namespace pogo::server
