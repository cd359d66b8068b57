// The output half of Connection: the write path (uv_try_write first, a queued uv_write for
// whatever the socket did not take), timeouts, and the closing sequence (flush, FIN, a short
// lingering read, close), plus the connection's life cycle end (memory freed after the last
// handle's close callback).
#include "server/connection.h"
#include "server/http2_codec.h"
#include "server/http_loop.h"
#include "server/log.h"

namespace pogo::server {

namespace {
constexpr uint64_t kLingerMs = 2000;  // reading after our FIN, so the peer sees the response
}  // namespace

Connection::Connection(HttpLoop& loop, uint64_t id, const ListenerSites& listener, const Router& router)
    : hl_(loop),
      id_(id),
      router_(router),
      listener_(listener),
      transport_(loop.loop().uv(), *this, loop.read_buffer(), HttpLoop::kReadBufferSize),
      parser_(loop.options().max_header_size),
      stream_(loop, *this) {
  parser_.set_body_sink(this);
  parser_.parse_into(stream_.next_head());  // requests are parsed where the stream reads them
}

Connection::~Connection() = default;

void Connection::flush(const char* ext, size_t ext_len, const std::shared_ptr<Exchange>& ex, size_t credit) {
  if (closed_) {
    out_.clear();
    return;
  }
  int queued = transport_.writes_in_flight();
  if (!transport_.write(out_, std::string_view(ext ? ext : "", ext_len), credit ? ex : nullptr, credit)) return;
  if (transport_.writes_in_flight() > queued) {
    // The client has output waiting: it must keep taking it.
    bool armed = write_idle_deadline_ != 0;
    set_deadline(write_idle_deadline_, hl_.options().write_idle_timeout);
    if (!armed && write_idle_deadline_) arm_timer();
  }
}

void Connection::on_transport_lost() { close_now(); }

void Connection::on_transport_written() {
  if (closed_) return;
  if (transport_.writes_in_flight() == 0) write_idle_deadline_ = 0;
  else set_deadline(write_idle_deadline_, hl_.options().write_idle_timeout);
  after_write();
}

void Connection::after_write() {
  if (transport_.writes_in_flight() > 0) return;
  if (h2_)
    h2_->on_written();
  else
    stream_.on_output_ready();
  if (closed_) return;
  if (closing_ && transport_.writes_in_flight() == 0 && out_.empty()) start_shutdown();
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
  // Re-armed only when the new deadline comes first: a timer due earlier (or with no deadline
  // left) just finds nothing expired and re-arms, which is far rarer than the per-request
  // changes of deadlines a keep-alive connection makes.
  if (!due || (timer_due_ && timer_due_ <= due)) return;
  timer_due_ = due;
  uint64_t now = uv_now(hl_.loop().uv());
  uv_timer_start(timer_.get(), &Connection::on_timer, due > now ? due - now : 0, 0);
}

void Connection::on_timer(uv_timer_t* t) {
  auto* c = static_cast<Connection*>(t->data);
  c->timer_due_ = 0;
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
  if (h2_) {
    h2_->drain();
    return;
  }
  if (hl_.last_call()) {
    // A response under way ends as its head said (stream_head and finish_request see draining());
    // an idle connection gets its last call.
    if (phase_ == Phase::Idle) last_call();
    return;
  }
  if (phase_ == Phase::Idle) {
    close_after_flush();
    return;
  }
  keep_alive_ = false;  // the current response says "Connection: close" if not yet started
}

void Connection::last_call() {
  uint64_t due = uv_now(hl_.loop().uv()) + uint64_t(HttpLoop::kLastCall.count());
  if (!idle_deadline_ || idle_deadline_ > due) idle_deadline_ = due;
  arm_timer();
}

void Connection::kill() {
  if (stream_.has_exchange() || (h2_ && h2_->has_exchanges()))
    log::warn("http", "aborting request at the end of the grace period", {{"remote_ip", remote_ip_}});
  close_now();
}

void Connection::close_after_flush() {
  if (closing_ || closed_) return;
  closing_ = true;
  idle_deadline_ = header_deadline_ = body_deadline_ = 0;
  if (!in_parse_) pending_.clear();  // else parse_pending() drops it once the parser returns
  arm_timer();
  if (transport_.writes_in_flight() == 0 && out_.empty()) start_shutdown();
}

void Connection::start_shutdown() {
  if (shutdown_started_ || closed_) return;
  shutdown_started_ = true;
  transport_.shutdown([this](int status) {
    if (closed_) return;
    if (status < 0 || peer_eof_) {
      close_now();
      return;
    }
    // Keep reading (and discarding) briefly: closing with unread input would send a reset
    // that can destroy the response before the client reads it.
    linger_deadline_ = uv_now(hl_.loop().uv()) + kLingerMs;
    arm_timer();
    start_reading();
  });
}

void Connection::close_now() {
  if (closed_) return;
  closed_ = closing_ = true;
  stream_.abort();
  if (h2_) h2_->abort_all();
  if (!in_parse_) pending_.clear();  // else parse_pending() drops it once the parser returns
  pending_ops_ += 2;
  transport_.close([this] { release_op(); });
  timer_.close([this] { release_op(); });
}

void Connection::release_op() {
  if (--pending_ops_ == 0 && closed_) hl_.remove(id_);  // deletes this
}

}  // namespace pogo::server
