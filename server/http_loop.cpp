#include "server/http_loop.h"

#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <future>
#include <utility>

#include "server/backend.h"
#include "server/connection.h"
#include "server/log.h"
#include "server/proxy_call.h"
#include "server/server.h"
#include "server/startup_error.h"

namespace pogo::server {

HttpLoop::HttpLoop(const ServerOptions& options)
    : options_(options), read_buffer_(new char[kReadBufferSize]) {
  auto end_turn = [](auto* handle) { static_cast<HttpLoop*>(handle->data)->end_turn(); };
  before_poll_.init(loop_.uv(), uv_prepare_init);
  before_poll_.get()->data = this;
  uv_prepare_start(before_poll_.get(), end_turn);
  after_poll_.init(loop_.uv(), uv_check_init);
  after_poll_.get()->data = this;
  uv_check_start(after_poll_.get(), end_turn);
}

HttpLoop::~HttpLoop() {
  stop();
  // Handles still owned (never started): closed here on the owning thread, run to completion.
  close_listeners();
  close_turn_handles();
  upstreams_.close_all();
}

void HttpLoop::add_listener(int fd, const ListenerSites& listener) {
  const ListenerSites* l = &listener;
  listeners_.push_back(std::make_unique<Acceptor>(loop_.uv(), fd, [this, l](int conn) { accepted(conn, *l); }));
}

void HttpLoop::start() { loop_.start(); }

void HttpLoop::accepted(int fd, const ListenerSites& listener) {
  if (draining_) {
    ::close(fd);
    return;
  }
  // The least busy sibling, when it serves at least two fewer connections than this loop.
  HttpLoop* to = nullptr;
  size_t least = open_.load(std::memory_order_acquire);
  for (HttpLoop* s : siblings_) {
    size_t n = s->open_.load(std::memory_order_acquire);
    if (s != this && n + 2 <= least) {
      to = s;
      least = n;
    }
  }
  if (to) {
    // Counted there at once, so that a burst of connections does not all go the same way. The
    // descriptor is closed if the task is dropped (the sibling stopped meanwhile).
    struct Handed {
      int fd = -1;
      ~Handed() {
        if (fd >= 0) ::close(fd);
      }
    };
    to->open_.fetch_add(1, std::memory_order_acq_rel);
    auto handed = std::make_shared<Handed>();
    handed->fd = fd;
    if (to->loop_.post([to, handed, l = &listener] {
          int f = std::exchange(handed->fd, -1);
          to->serve(f, *l);
        }))
      return;
    handed->fd = -1;
    to->open_.fetch_sub(1, std::memory_order_acq_rel);
  }
  open_.fetch_add(1, std::memory_order_acq_rel);
  serve(fd, listener);
}

void HttpLoop::serve(int fd, const ListenerSites& listener) {
  peak_open_ = std::max(peak_open_, open_.load(std::memory_order_acquire));
  uint64_t id = next_id_++;
  auto conn = std::make_unique<Connection>(*this, id, listener, *listener.sites);
  Connection* c = conn.get();
  connections_.emplace(id, std::move(conn));
  c->start(fd);
  // Handed over by a sibling while this loop began draining: it goes as this loop's idle
  // connections went.
  if (draining_) c->drain();
}

Connection* HttpLoop::find(uint64_t id) {
  auto it = connections_.find(id);
  return it == connections_.end() ? nullptr : it->second.get();
}

void HttpLoop::remove(uint64_t id) {
  if (!connections_.erase(id)) return;
  size_t open = open_.fetch_sub(1, std::memory_order_acq_rel) - 1;
  // After a flood, glibc keeps the freed connection memory in its arenas (RSS stays at the peak)
  // until something trims them. Trimming walks every arena, so it is done once per receding flood,
  // not per connection: when the count falls to a quarter of a peak worth trimming for.
  if (peak_open_ >= kTrimPeak && open <= peak_open_ / 4) {
    ::malloc_trim(0);
    log::debug("http", "memory returned to the system after a connection peak", {{"peak", peak_open_}, {"open", open}});
    peak_open_ = open;
  }
}

void HttpLoop::hand_to(Backend* backend, std::shared_ptr<Exchange> exchange) {
  if (std::find(turn_backends_.begin(), turn_backends_.end(), backend) == turn_backends_.end())
    turn_backends_.push_back(backend);
  backend->handle_in_turn(std::move(exchange));
}

void HttpLoop::retire(std::unique_ptr<ProxyCall> call) { retired_.push_back(std::move(call)); }

void HttpLoop::end_turn() {
  if (!retired_.empty()) {
    std::vector<std::unique_ptr<ProxyCall>> done;
    done.swap(retired_);
    done.clear();
    if (retired_.empty()) retired_.swap(done);  // keeps the capacity for the next turn
  }
  if (turn_backends_.empty()) return;
  for (Backend* b : turn_backends_) {
    try {
      b->end_of_turn();
    } catch (const std::exception& e) {
      log::error("http", "backend failed to start its requests", {{"error", e.what()}});
    }
  }
  turn_backends_.clear();
}

void HttpLoop::close_listeners() {
  for (auto& l : listeners_) l->close();
  listeners_.clear();
}

void HttpLoop::close_turn_handles() {
  end_turn();
  before_poll_.close();
  after_poll_.close();
}

void HttpLoop::drain(bool last_call) {
  loop_.post([this, last_call] {
    draining_ = true;
    last_call_ = last_call;
    close_listeners();
    std::vector<Connection*> all;
    for (auto& [id, c] : connections_) all.push_back(c.get());
    for (auto* c : all) c->drain();
  });
}

void HttpLoop::stop_accepting() {
  std::promise<void> closed;
  std::future<void> done = closed.get_future();
  if (!loop_.post([this, &closed] {
        close_listeners();
        closed.set_value();
      }))
    return;
  done.wait();
}

void HttpLoop::kill() {
  loop_.post([this] {
    draining_ = true;
    close_listeners();
    std::vector<Connection*> all;
    for (auto& [id, c] : connections_) all.push_back(c.get());
    for (auto* c : all) c->kill();
  });
}

bool HttpLoop::stop() {
  return loop_.stop([this] {
    draining_ = true;
    close_listeners();
    close_turn_handles();
    std::vector<Connection*> all;
    for (auto& [id, c] : connections_) all.push_back(c.get());
    for (auto* c : all) c->kill();
    upstreams_.close_all();  // after the kills: an aborted proxy call gives nothing back
  });
}

}  // namespace pogo::server
