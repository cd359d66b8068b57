#include "server/http_loop.h"

#include <unistd.h>

#include <algorithm>

#include "server/backend.h"
#include "server/connection.h"
#include "server/log.h"
#include "server/startup_error.h"

namespace pogo::server {

HttpLoop::HttpLoop(const ServerOptions& options, const SiteTable& sites)
    : options_(options), sites_(sites), read_buffer_(new char[kReadBufferSize]) {
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
}

void HttpLoop::add_listener(int fd, const SiteTable* sites) {
  UvHandle<uv_tcp_t> h;
  if (int rc = h.init(loop_.uv(), uv_tcp_init); rc != 0) {
    ::close(fd);
    throw StartupError(std::string("uv_tcp_init: ") + uv_strerror(rc));
  }
  h.get()->data = this;
  if (int rc = uv_tcp_open(h.get(), fd); rc != 0) {
    ::close(fd);
    throw StartupError(std::string("uv_tcp_open: ") + uv_strerror(rc));
  }
  if (int rc = uv_listen(reinterpret_cast<uv_stream_t*>(h.get()), 1024, &HttpLoop::on_connection); rc != 0)
    throw StartupError(std::string("listen: ") + uv_strerror(rc));
  listeners_.push_back(std::move(h));
  listener_sites_.push_back(sites ? sites : &sites_);
}

void HttpLoop::start() { loop_.start(); }

void HttpLoop::on_connection(uv_stream_t* server, int status) {
  auto* self = static_cast<HttpLoop*>(server->data);
  if (status < 0) {
    log::warn("http", "accept failed", {{"error", uv_strerror(status)}});
    return;
  }
  if (self->draining_) return;
  const SiteTable* sites = &self->sites_;
  for (size_t i = 0; i < self->listeners_.size(); ++i)
    if (reinterpret_cast<uv_stream_t*>(self->listeners_[i].get()) == server) sites = self->listener_sites_[i];
  uint64_t id = self->next_id_++;
  auto conn = std::make_unique<Connection>(*self, id, *sites);
  Connection* c = conn.get();
  self->connections_.emplace(id, std::move(conn));
  self->open_.fetch_add(1, std::memory_order_acq_rel);
  c->start(server);
}

Connection* HttpLoop::find(uint64_t id) {
  auto it = connections_.find(id);
  return it == connections_.end() ? nullptr : it->second.get();
}

void HttpLoop::remove(uint64_t id) {
  if (connections_.erase(id)) open_.fetch_sub(1, std::memory_order_acq_rel);
}

void HttpLoop::hand_to(Backend* backend, std::shared_ptr<Exchange> exchange) {
  if (std::find(turn_backends_.begin(), turn_backends_.end(), backend) == turn_backends_.end())
    turn_backends_.push_back(backend);
  backend->handle_in_turn(std::move(exchange));
}

void HttpLoop::end_turn() {
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
  for (auto& l : listeners_) l.close();
  listeners_.clear();
  listener_sites_.clear();
}

void HttpLoop::close_turn_handles() {
  end_turn();
  before_poll_.close();
  after_poll_.close();
}

void HttpLoop::drain() {
  loop_.post([this] {
    draining_ = true;
    close_listeners();
    std::vector<Connection*> all;
    for (auto& [id, c] : connections_) all.push_back(c.get());
    for (auto* c : all) c->drain();
  });
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
  });
}

}  // namespace pogo::server
