#include "server/connection.h"

#include <unistd.h>

#include <algorithm>

#include "server/client_ip.h"
#include "server/http2_codec.h"
#include "server/http_loop.h"
#include "server/listener.h"
#include "server/log.h"
#include "server/path_safety.h"
#include "server/server.h"
#include "tls/challenges.h"
#include "tls/session.h"

namespace pogo::server {

namespace {
constexpr size_t kMaxPending = 256 << 10;    // pipelined bytes buffered before pausing reads
const char kEmpty[1] = {0};
constexpr std::string_view kHttp2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
}  // namespace

void Connection::on_transport_secure() {
  if (transport_.alpn() == "h2") start_http2({});
}

void Connection::start_http2(std::string_view initial) {
  h2_ = std::make_unique<Http2Codec>(*this, transport_.secure());
  header_deadline_ = 0;
  set_deadline(idle_deadline_, hl_.options().idle_timeout);
  arm_timer();
  if (!initial.empty()) h2_->receive(initial.data(), initial.size());
}

void Connection::start(int fd) {
  uv_loop_t* uv = hl_.loop().uv();
  if (!transport_.open(fd, listener_.tls)) {
    if (!transport_.tcp()) {  // no handle to close: nothing holds the connection
      closed_ = true;  // nothing more to do with it until it is removed
      hl_.loop().post([hl = &hl_, id = id_] { hl->remove(id); });
      return;
    }
    closed_ = closing_ = true;
    pending_ops_ = 1;
    transport_.close([this] { release_op(); });
    return;
  }
  if (timer_.init(uv, uv_timer_init) != 0) {
    closed_ = closing_ = true;
    pending_ops_ = 1;
    transport_.close([this] { release_op(); });
    return;
  }
  timer_.get()->data = this;
  sockaddr_storage sa{};
  int len = sizeof sa;
  if (uv_tcp_getpeername(transport_.tcp(), reinterpret_cast<sockaddr*>(&sa), &len) == 0) {
    remote_ip_ = socket_ip(sa);
    remote_port_ = socket_port(sa);
  }
  len = sizeof sa;
  if (uv_tcp_getsockname(transport_.tcp(), reinterpret_cast<sockaddr*>(&sa), &len) == 0) {
    local_ip_ = socket_ip(sa);
    local_port_ = socket_port(sa);
  }
  // A fresh connection gets the header timeout for its first request (a silent client, or a
  // stalled TLS handshake, is dropped).
  set_deadline(header_deadline_, hl_.options().read_header_timeout);
  if (!header_deadline_) set_deadline(idle_deadline_, hl_.options().idle_timeout);
  arm_timer();
  h2c_probe_ = listener_.h2c && !listener_.tls;
  start_reading();
}

// ---------------------------------------------------------------- reading and parsing

void Connection::on_transport_data(const char* data, size_t n) {
  if (closed_ || closing_) return;  // closing: a lingering close discards what arrives
  if (h2_) {
    h2_->receive(data, n);
    return;
  }
  if (tunnel_) {
    if (!stream_.tunnel_data(data, n) && !closed_) {
      body_paused_ = true;
      stop_reading();
    }
    return;
  }
  if (h2c_probe_) {
    // Cleartext HTTP/2 with prior knowledge starts with the client preface; anything else is
    // HTTP/1.
    pending_.append(data, n);
    std::string_view got = pending_, preface = kHttp2Preface;
    if (got.size() < preface.size() && preface.starts_with(got)) return;
    h2c_probe_ = false;
    if (got.starts_with(preface)) {
      std::string initial = std::move(pending_);
      pending_.clear();
      start_http2(initial);
      return;
    }
    parse_pending();
    return;
  }
  if (!pending_.empty()) {
    pending_.append(data, n);
    parse_pending();
  } else {
    size_t used = parse(data, n);
    if (!closing_ && used < n) pending_.append(data + used, n - used);
  }
  if (!closed_ && transport_.reading() && !closing_ && (body_paused_ || pending_.size() > kMaxPending))
    stop_reading();
}

void Connection::start_reading() {
  if (!closed_) transport_.start_reading();
}

void Connection::stop_reading() {
  if (!closed_) transport_.stop_reading();
}

bool Connection::can_parse() const {
  return !closing_ && !closed_ && !body_paused_ && !(phase_ == Phase::Active && request_complete_);
}

void Connection::parse_pending() {
  if (pending_.empty() && phase_ == Phase::Idle) return;
  size_t used = parse(pending_.empty() ? kEmpty : pending_.data(), pending_.size());
  if (closing_)
    pending_.clear();
  else
    pending_.erase(0, used);
  if (!closing_ && !closed_ && !transport_.reading() && !body_paused_ && pending_.size() <= kMaxPending) start_reading();
}

size_t Connection::parse(const char* data, size_t len) {
  in_parse_ = true;
  size_t off = 0;
  while (can_parse()) {
    if (phase_ == Phase::Idle) {
      if (off == len) break;
      phase_ = Phase::Head;
      started_at_ = std::chrono::steady_clock::now();
      idle_deadline_ = 0;
      if (!header_deadline_) set_deadline(header_deadline_, hl_.options().read_header_timeout);
      arm_timer();
    }
    size_t avail = len - off;
    RequestParser::Step st = parser_.feed(avail ? data + off : kEmpty, avail);
    off += st.consumed;
    if (body_error_) {
      respond_error(body_error_, body_error_reason_, true);
      off = len;
      break;
    }
    if (st.kind == RequestParser::Step::NeedMore) break;
    if (st.kind == RequestParser::Step::Head) {
      on_head();
    } else if (st.kind == RequestParser::Step::Complete) {
      on_request_complete();
    } else {
      respond_error(st.status, st.reason, true);
      off = len;
      break;
    }
  }
  in_parse_ = false;
  return std::min(off, len);
}

void Connection::on_body(const char* data, size_t n) {
  if (body_error_) return;
  if (body_idle_deadline_) set_deadline(body_idle_deadline_, hl_.options().body_idle_timeout);
  bool paused = false;
  if (int status = stream_.push_body(data, n, &paused)) {
    body_error_ = status;
    body_error_reason_ = stream_.body_error_reason();
    return;
  }
  if (paused) body_paused_ = true;
}

void Connection::fill_connection_facts(RequestHead& h) const {
  h.remote_addr = remote_ip_;
  h.remote_port = remote_port_;
  const ClientIpPolicy& policy = hl_.options().client_ip;
  if (policy.enabled()) h.client_ip = resolve_client_ip(policy, h);
  h.local_addr = local_ip_;
  h.local_port = local_port_;
  if (transport_.secure()) {
    h.scheme = "https";
    for (auto& kv : transport_.tls()->variables())
      if (kv.first != "HTTPS") h.tls_env.push_back(std::move(kv));
  } else {
    h.scheme = "http";
  }
}

void Connection::on_head() {
  header_deadline_ = 0;
  phase_ = Phase::Active;
  request_complete_ = false;
  RequestHead& h = parser_.head();
  fill_connection_facts(h);
  request_has_body_ = h.has_body;
  keep_alive_ = parser_.keep_alive() && !hl_.draining();
  const auto& o = hl_.options();
  if (h.has_body) {
    set_deadline(body_deadline_, o.read_body_timeout);
    set_deadline(body_idle_deadline_, o.body_idle_timeout);
  }
  set_deadline(write_deadline_, o.write_timeout);
  arm_timer();
  stream_.begin_in_place(parser_.expects_continue(), started_at_);  // h is the stream's head
  stream_.route(router_, listener_.acme_challenges.get(), listener_.metrics);
}

void Connection::respond_error(int status, const char* reason, bool log_it) {
  if (closed_) return;
  if (!stream_.active()) {  // a request the parser refused: what it read of the head
    RequestHead& h = parser_.head();  // the stream's
    if (!parser_.mid_request()) h.clear_for_reuse();  // not even begun: nothing of the last one
    fill_connection_facts(h);
    stream_.begin_in_place(false, started_at_);
  }
  stream_.respond_error(status, reason, log_it);
}

void Connection::on_request_complete() {
  request_complete_ = true;
  body_deadline_ = body_idle_deadline_ = 0;
  arm_timer();
  stream_.end_body(true);
  if (stream_.response_done()) finish_request();
}

void Connection::on_transport_eof() {
  stop_reading();
  if (closing_) {  // lingering close finished
    close_now();
    return;
  }
  peer_eof_ = true;
  if (phase_ == Phase::Active && stream_.has_exchange()) {
    // Like Go's server: a client that goes away cancels the request.
    log::debug("http", "client closed the connection", {{"remote", remote_ip_}});
    close_now();
    return;
  }
  if (phase_ != Phase::Active) close_now();
  // else: half-closed after a full request; the response goes out, then we close.
}

}  // namespace pogo::server
