#include "server/connection.h"

#include <unistd.h>

#include <algorithm>

#include "server/http_loop.h"
#include "server/listener.h"
#include "server/log.h"
#include "server/path_safety.h"

namespace pogo::server {

namespace {
constexpr size_t kMaxPending = 256 << 10;    // pipelined bytes buffered before pausing reads
const char kEmpty[1] = {0};
}  // namespace

void Connection::start(int fd) {
  uv_loop_t* uv = hl_.loop().uv();
  if (tcp_.init(uv, uv_tcp_init) != 0) {
    ::close(fd);
    hl_.loop().post([hl = &hl_, id = id_] { hl->remove(id); });
    return;
  }
  if (timer_.init(uv, uv_timer_init) != 0) {
    ::close(fd);
    closed_ = closing_ = true;
    pending_ops_ = 1;
    tcp_.close([this] { release_op(); });
    return;
  }
  tcp_.get()->data = this;
  timer_.get()->data = this;
  if (uv_tcp_open(tcp_.get(), fd) != 0) {
    ::close(fd);
    close_now();
    return;
  }
  uv_tcp_nodelay(tcp_.get(), 1);
  sockaddr_storage sa{};
  int len = sizeof sa;
  if (uv_tcp_getpeername(tcp_.get(), reinterpret_cast<sockaddr*>(&sa), &len) == 0) {
    remote_ip_ = socket_ip(sa);
    remote_port_ = socket_port(sa);
  }
  len = sizeof sa;
  if (uv_tcp_getsockname(tcp_.get(), reinterpret_cast<sockaddr*>(&sa), &len) == 0) {
    local_ip_ = socket_ip(sa);
    local_port_ = socket_port(sa);
  }
  // A fresh connection gets the header timeout for its first request (a silent client is dropped).
  set_deadline(header_deadline_, hl_.options().read_header_timeout);
  if (!header_deadline_) set_deadline(idle_deadline_, hl_.options().idle_timeout);
  arm_timer();
  start_reading();
}

// ---------------------------------------------------------------- reading and parsing

void Connection::on_alloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
  auto* c = static_cast<Connection*>(h->data);
  // One buffer per loop: a read callback parses (or copies) everything before returning.
  *buf = uv_buf_init(c->hl_.read_buffer(), HttpLoop::kReadBufferSize);
}

void Connection::on_read(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
  auto* c = static_cast<Connection*>(s->data);
  if (nread == 0 || c->closed_) return;
  if (nread < 0) {
    c->on_eof();
    return;
  }
  if (c->closing_) return;  // lingering close: discard
  size_t n = size_t(nread);
  if (!c->pending_.empty()) {
    c->pending_.append(buf->base, n);
    c->parse_pending();
  } else {
    size_t used = c->parse(buf->base, n);
    if (!c->closing_ && used < n) c->pending_.append(buf->base + used, n - used);
  }
  if (!c->closed_ && c->reading_ && !c->closing_ && (c->body_paused_ || c->pending_.size() > kMaxPending))
    c->stop_reading();
}

void Connection::start_reading() {
  if (reading_ || closed_) return;
  if (uv_read_start(reinterpret_cast<uv_stream_t*>(tcp_.get()), &Connection::on_alloc, &Connection::on_read) == 0)
    reading_ = true;
}

void Connection::stop_reading() {
  if (!reading_ || closed_) return;
  uv_read_stop(reinterpret_cast<uv_stream_t*>(tcp_.get()));
  reading_ = false;
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
  if (!closing_ && !closed_ && !reading_ && !body_paused_ && pending_.size() <= kMaxPending) start_reading();
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
  const auto& max = request_max_body_ ? request_max_body_ : hl_.options().max_body_size;
  if (max && parser_.body_bytes() > *max) {
    body_error_ = 413;
    body_error_reason_ = "request body too large";
    return;
  }
  if (body_idle_deadline_) set_deadline(body_idle_deadline_, hl_.options().body_idle_timeout);
  if (!ex_) return;
  switch (ex_->push_body(data, n)) {
    case Exchange::Push::More:
      break;
    case Exchange::Push::Full:
      body_paused_ = true;
      break;
    case Exchange::Push::Failed:
      log::error("http", "could not buffer the request body", {{"error", ex_->body_error()}});
      body_error_ = 500;
      body_error_reason_ = "could not buffer the request body";
      break;
  }
}

void Connection::on_head() {
  header_deadline_ = 0;
  phase_ = Phase::Active;
  request_complete_ = false;
  RequestHead& h = parser_.head();
  h.remote_addr = remote_ip_;
  h.remote_port = remote_port_;
  h.local_addr = local_ip_;
  h.local_port = local_port_;
  h.scheme = "http";
  request_has_body_ = h.has_body;
  keep_alive_ = parser_.keep_alive() && !hl_.draining();
  const auto& o = hl_.options();
  if (h.has_body) {
    set_deadline(body_deadline_, o.read_body_timeout);
    set_deadline(body_idle_deadline_, o.body_idle_timeout);
  }
  set_deadline(write_deadline_, o.write_timeout);
  arm_timer();

  std::string_view path, query;
  split_target(h.uri, path, query);
  if (path.empty()) return respond_error(400, "invalid request target", true);
  auto clean = sanitize_path(path);
  if (!clean) return respond_error(400, "invalid characters or escapes in path", true);
  h.path = std::move(*clean);
  h.query = std::string(query);
  if (o.max_body_size && h.content_length && *h.content_length > *o.max_body_size)
    return respond_error(413, "request body too large", true);

  const std::string* host = h.header("Host");
  std::string_view host_view = host ? std::string_view(*host) : std::string_view();
  const Site* site = sites_.find(host_view);
  if (!site && !sites_.unmatched_host_empty_200) site = &sites_.match(host_view);
  Action action = Respond{};  // no site for this host: Caddy's empty 200
  if (site) {
    Request rq(h);
    action = site->route(rq);
    filters_ = std::move(rq.filters);
    request_max_body_ = rq.max_body_size;
    request_stream_body_ = rq.stream_body;
  }
  if (request_max_body_ && h.content_length && *h.content_length > *request_max_body_)
    return respond_error(413, "request body too large", true);
  // A body nobody reads is not worth draining: answer, then close.
  if (h.has_body && !std::holds_alternative<ToBackend>(action)) keep_alive_ = false;
  if (auto* r = std::get_if<Respond>(&action))
    respond(std::move(*r));
  else if (auto* f = std::get_if<ServeFile>(&action))
    serve_file(std::move(*f));
  else
    start_exchange(std::get<ToBackend>(action).backend, request_stream_body_);
}

void Connection::on_request_complete() {
  request_complete_ = true;
  body_deadline_ = body_idle_deadline_ = 0;
  arm_timer();
  if (ex_) ex_->end_body(true);
  if (Backend* b = pending_backend_) {
    pending_backend_ = nullptr;
    hand_over(b);
    return;
  }
  if (response_done_) finish_request();
}

void Connection::on_eof() {
  stop_reading();
  if (closing_) {  // lingering close finished
    close_now();
    return;
  }
  peer_eof_ = true;
  if (phase_ == Phase::Active && ex_) {
    // Like Go's server: a client that goes away cancels the request.
    log::debug("http", "client closed the connection", {{"remote", remote_ip_}});
    close_now();
    return;
  }
  if (phase_ != Phase::Active) close_now();
  // else: half-closed after a full request; the response goes out, then we close.
}

}  // namespace pogo::server
