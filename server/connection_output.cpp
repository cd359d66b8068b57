// The output half of Connection: the write path (uv_try_write first, a queued uv_write for
// whatever the socket did not take), timeouts, and the closing sequence (flush, FIN, a short
// lingering read, close), plus the connection's life cycle end (memory freed after the last
// handle's close callback).
#include "server/connection.h"
#include "server/http_loop.h"
#include "server/log.h"

namespace pogo::server {

namespace {
constexpr uint64_t kLingerMs = 2000;  // reading after our FIN, so the peer sees the response
}  // namespace

struct Connection::WriteReq {
  uv_write_t req;  // first member: the callback casts back
  Connection* conn = nullptr;
  std::string data;
  std::shared_ptr<Exchange> ex;
  size_t credit = 0;
};

Connection::Connection(HttpLoop& loop, uint64_t id, const SiteTable& sites)
    : hl_(loop), id_(id), sites_(sites), parser_(loop.options().max_header_size) {
  parser_.set_body_sink(this);
}

Connection::~Connection() = default;

void Connection::flush(const char* ext, size_t ext_len) {
  if (closed_) {
    out_.clear();
    ex_credit_ = 0;
    return;
  }
  if (out_.empty() && ext_len == 0) {
    if (ex_credit_ && ex_) ex_->bytes_written(ex_credit_);
    ex_credit_ = 0;
    return;
  }
  auto* stream = reinterpret_cast<uv_stream_t*>(tcp_.get());
  size_t written = 0;
  if (writes_in_flight_ == 0) {
    uv_buf_t bufs[2];
    unsigned nb = 0;
    if (!out_.empty()) bufs[nb++] = uv_buf_init(out_.data(), unsigned(out_.size()));
    if (ext_len) bufs[nb++] = uv_buf_init(const_cast<char*>(ext), unsigned(ext_len));
    int n = uv_try_write(stream, bufs, nb);
    if (n >= 0) {
      written = size_t(n);
    } else if (n != UV_EAGAIN && n != UV_ENOSYS) {
      log::debug("http", "write failed", {{"error", uv_strerror(n)}});
      out_.clear();
      ex_credit_ = 0;
      close_now();
      return;
    }
  }
  if (written == out_.size() + ext_len) {
    out_.clear();
    if (ex_credit_ && ex_) ex_->bytes_written(ex_credit_);
    ex_credit_ = 0;
    return;
  }
  // Queue the rest. `ext` belongs to the caller, so whatever of it is left is copied.
  std::unique_ptr<WriteReq> w;
  if (!free_writes_.empty()) {
    w = std::move(free_writes_.back());
    free_writes_.pop_back();
  } else {
    w = std::make_unique<WriteReq>();
  }
  w->conn = this;
  if (written >= out_.size()) {
    size_t skip = written - out_.size();
    w->data.assign(ext + skip, ext_len - skip);
  } else {
    w->data.swap(out_);
    if (written) w->data.erase(0, written);
    if (ext_len) w->data.append(ext, ext_len);
  }
  out_.clear();
  w->credit = ex_credit_;
  if (ex_credit_) w->ex = ex_;
  ex_credit_ = 0;
  uv_buf_t b = uv_buf_init(w->data.data(), unsigned(w->data.size()));
  WriteReq* raw = w.release();
  if (int rc = uv_write(&raw->req, stream, &b, 1, &Connection::on_write); rc != 0) {
    if (raw->ex) raw->ex->bytes_written(raw->credit);
    delete raw;
    close_now();
    return;
  }
  ++writes_in_flight_;
  // The client has output waiting: it must keep taking it.
  bool armed = write_idle_deadline_ != 0;
  set_deadline(write_idle_deadline_, hl_.options().write_idle_timeout);
  if (!armed && write_idle_deadline_) arm_timer();
}

void Connection::on_write(uv_write_t* req, int status) {
  auto* w = reinterpret_cast<WriteReq*>(req);
  Connection* c = w->conn;
  --c->writes_in_flight_;
  if (w->ex) {
    w->ex->bytes_written(w->credit);
    w->ex.reset();
  }
  w->credit = 0;
  w->data.clear();
  if (c->free_writes_.size() < 4 && w->data.capacity() <= (1u << 20))
    c->free_writes_.emplace_back(w);
  else
    delete w;
  if (c->closed_) return;
  if (status < 0) {
    log::debug("http", "write failed", {{"error", uv_strerror(status)}});
    c->close_now();
    return;
  }
  if (c->writes_in_flight_ == 0) c->write_idle_deadline_ = 0;
  else c->set_deadline(c->write_idle_deadline_, c->hl_.options().write_idle_timeout);
  c->after_write();
}

void Connection::after_write() {
  if (writes_in_flight_ > 0) return;
  if (file_ && !file_->busy()) pump_file();
  if (closed_) return;
  if (ex_ && !events_.empty()) drain_events();
  if (closed_) return;
  if (closing_ && writes_in_flight_ == 0 && out_.empty()) start_shutdown();
}

// ---------------------------------------------------------------- timeouts and closing

void Connection::set_deadline(uint64_t& slot, std::chrono::milliseconds d) {
  slot = d.count() > 0 ? uv_now(hl_.loop().uv()) + uint64_t(d.count()) : 0;
}

void Connection::arm_timer() {
  if (closed_) return;
  uint64_t due = 0;
  for (uint64_t d : {idle_deadline_, header_deadline_, body_deadline_, write_deadline_, linger_deadline_,
                     body_idle_deadline_, write_idle_deadline_})
    if (d && (!due || d < due)) due = d;
  if (!due) {
    uv_timer_stop(timer_.get());
    return;
  }
  uint64_t now = uv_now(hl_.loop().uv());
  uv_timer_start(timer_.get(), &Connection::on_timer, due > now ? due - now : 0, 0);
}

void Connection::on_timer(uv_timer_t* t) {
  auto* c = static_cast<Connection*>(t->data);
  if (c->closed_) return;
  uint64_t now = uv_now(c->hl_.loop().uv());
  auto expired = [now](uint64_t d) { return d && now >= d; };
  const char* what = nullptr;
  if (expired(c->linger_deadline_)) {
    c->close_now();
    return;
  }
  if (c->phase_ == Phase::Idle && (expired(c->idle_deadline_) || expired(c->header_deadline_))) {
    // No byte of a request yet (an idle keep-alive or a speculative browser connection): not a
    // fault worth a warning.
    log::debug("http", "idle connection closed", {{"remote_ip", c->remote_ip_}});
    c->close_now();
    return;
  }
  if (c->body_paused_ && c->body_idle_deadline_)  // waiting for the script to read, not for the client
    c->set_deadline(c->body_idle_deadline_, c->hl_.options().body_idle_timeout);
  if (expired(c->header_deadline_)) what = "read header timeout";
  else if (expired(c->body_deadline_)) what = "read body timeout";
  else if (expired(c->body_idle_deadline_)) what = "read body timeout: no data from the client";
  else if (expired(c->write_deadline_)) what = "write timeout";
  else if (expired(c->write_idle_deadline_)) what = "write timeout: the client stopped reading";
  if (what) {
    log::warn("http", what, {{"remote_ip", c->remote_ip_}, {"remote_port", std::to_string(c->remote_port_)}});
    c->close_now();
    return;
  }
  c->arm_timer();
}

void Connection::drain() {
  if (closed_) return;
  if (phase_ == Phase::Idle) {
    close_after_flush();
    return;
  }
  keep_alive_ = false;  // the current response says "Connection: close" if not yet started
}

void Connection::kill() {
  if (ex_) log::warn("http", "aborting request at the end of the grace period", {{"remote_ip", remote_ip_}});
  close_now();
}

void Connection::close_after_flush() {
  if (closing_ || closed_) return;
  closing_ = true;
  idle_deadline_ = header_deadline_ = body_deadline_ = 0;
  if (!in_parse_) pending_.clear();  // else parse_pending() drops it once the parser returns
  arm_timer();
  if (writes_in_flight_ == 0 && out_.empty()) start_shutdown();
}

void Connection::start_shutdown() {
  if (shutdown_started_ || closed_) return;
  shutdown_started_ = true;
  shutdown_req_.data = this;
  int rc = uv_shutdown(&shutdown_req_, reinterpret_cast<uv_stream_t*>(tcp_.get()), [](uv_shutdown_t* r, int status) {
    auto* c = static_cast<Connection*>(r->data);
    if (c->closed_) return;
    if (status < 0 || c->peer_eof_) {
      c->close_now();
      return;
    }
    // Keep reading (and discarding) briefly: closing with unread input would send a reset
    // that can destroy the response before the client reads it.
    c->linger_deadline_ = uv_now(c->hl_.loop().uv()) + kLingerMs;
    c->arm_timer();
    c->start_reading();
  });
  if (rc != 0) close_now();
}

void Connection::close_now() {
  if (closed_) return;
  closed_ = closing_ = true;
  if (ex_) {
    ex_->abort();
    ex_->end_body(false);
    ex_.reset();
  }
  pending_backend_ = nullptr;
  events_.clear();
  if (!in_parse_) pending_.clear();  // else parse_pending() drops it once the parser returns
  if (file_ && !file_->busy()) file_.reset();
  pending_ops_ += 2;
  tcp_.close([this] { release_op(); });
  timer_.close([this] { release_op(); });
}

void Connection::release_op() {
  if (--pending_ops_ == 0 && closed_) hl_.remove(id_);  // deletes this
}

}  // namespace pogo::server
