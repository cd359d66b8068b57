#include "server/connection.h"

#include <unistd.h>

#include <algorithm>

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
}  // namespace

void Connection::start(int fd) {
  uv_loop_t* uv = hl_.loop().uv();
  if (!transport_.open(fd, listener_.tls)) {
    if (!transport_.tcp()) {  // no handle to close: nothing holds the connection
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
  start_reading();
}

// ---------------------------------------------------------------- reading and parsing

void Connection::on_transport_data(const char* data, size_t n) {
  if (closed_ || closing_) return;  // closing: a lingering close discards what arrives
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
  if (transport_.secure()) {
    h.scheme = "https";
    for (auto& kv : transport_.tls()->variables())
      if (kv.first != "HTTPS") h.tls_env.push_back(std::move(kv));
  } else {
    h.scheme = "http";
  }
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

  if (listener_.acme_challenges && h.path.starts_with(tls::kHttp01PathPrefix)) {
    // An ACME CA checking that we control this name: answered for any host, before the sites.
    if (auto answer = listener_.acme_challenges->http01_for_path(h.path)) {
      log::info("tls", "served an ACME HTTP-01 challenge", {{"path", h.path}, {"remote_ip", remote_ip_}});
      Respond r;
      r.status = 200;
      r.headers.push_back({"Content-Type", "text/plain"});
      r.body = std::move(*answer);
      return respond(std::move(r));
    }
  }
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

void Connection::on_transport_eof() {
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
