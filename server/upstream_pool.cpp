#include "server/upstream_pool.h"

#include <algorithm>

namespace pogo::server {

UpstreamConn* UpstreamPool::take(const UpstreamAddress* u) {
  auto it = slots_.find(u);
  if (it == slots_.end() || it->second->idle.empty()) return nullptr;
  UpstreamConn* c = it->second->idle.back();
  it->second->idle.pop_back();
  return c;
}

void UpstreamPool::put(const UpstreamAddress* u, UpstreamConn* c, const ProxySettings& s) {
  if (!s.keepalive || !c->reusable()) {
    c->close();
    return;
  }
  auto& slot = slots_[u];
  if (!slot) slot = std::make_unique<Slot>(Slot{this, {}});
  if (slot->idle.size() >= s.keepalive_idle_conns) {
    c->close();
    return;
  }
  slot->idle.push_back(c);
  c->park(&UpstreamPool::on_lost, slot.get(), uint64_t(s.keepalive_idle.count()));
}

size_t UpstreamPool::idle(const UpstreamAddress* u) const {
  auto it = slots_.find(u);
  return it == slots_.end() ? 0 : it->second->idle.size();
}

void UpstreamPool::on_lost(void* ctx, UpstreamConn* c) {
  auto* slot = static_cast<Slot*>(ctx);
  std::erase(slot->idle, c);
}

void UpstreamPool::close_all() {
  for (auto& [u, slot] : slots_) {
    std::vector<UpstreamConn*> idle = std::move(slot->idle);
    slot->idle.clear();
    for (UpstreamConn* c : idle) c->close();
  }
}

}  // namespace pogo::server
