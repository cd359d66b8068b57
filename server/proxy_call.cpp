#include "server/proxy_call.h"

#include <random>

#include "server/client_ip.h"
#include "server/http_loop.h"
#include "server/ip_range.h"
#include "server/log.h"
#include "server/proxy_headers.h"
#include "server/upstream_pool.h"

namespace pogo::server {

ProxyCall::ProxyCall(HttpLoop& loop, Sink& sink, ToProxy p, const RequestHead& head)
    : hl_(loop), sink_(sink), p_(std::move(p)), head_(head) {}

ProxyCall::~ProxyCall() { abort(); }

void ProxyCall::abort() {
  done_ = true;
  timer_.close();
  release_upstream();
  if (conn_) {
    conn_->close();
    conn_ = nullptr;
  }
}

void ProxyCall::release_upstream() {
  if (!counted_) return;
  counted_ = false;
  p_.settings->health[index_].in_flight.fetch_sub(1, std::memory_order_relaxed);
}

// ---------------------------------------------------------------- health

bool upstream_available(const ProxySettings& s, size_t i) {
  UpstreamHealth& h = s.health[i];
  if (h.check_failed.load(std::memory_order_relaxed)) return false;
  if (s.fail_duration.count() <= 0) return true;
  std::lock_guard lk(h.mu);
  auto since = std::chrono::steady_clock::now() - s.fail_duration;
  std::erase_if(h.fails, [&](auto t) { return t < since; });
  return h.fails.size() < size_t(std::max(1, s.max_fails));
}

void record_upstream_failure(const ProxySettings& s, size_t i) {
  if (s.fail_duration.count() <= 0) return;
  UpstreamHealth& h = s.health[i];
  std::lock_guard lk(h.mu);
  h.fails.push_back(std::chrono::steady_clock::now());
}

// ---------------------------------------------------------------- choosing an upstream

namespace {

// FNV-1a: stable across runs, so a hash policy sends a key to the same upstream after a restart.
uint64_t fnv1a(std::string_view a, std::string_view b) {
  uint64_t h = 1469598103934665603ull;
  for (std::string_view part : {a, b})
    for (unsigned char c : part) h = (h ^ c) * 1099511628211ull;
  return h;
}

}  // namespace

size_t ProxyCall::pick_upstream() const {
  const ProxySettings& s = *p_.settings;
  const size_t n = s.upstreams.size();
  thread_local std::mt19937_64 rng{std::random_device{}()};
  auto random_one = [&]() -> size_t {
    size_t count = 0, chosen = std::string::npos;
    for (size_t i = 0; i < n; ++i)  // reservoir sampling over the available ones
      if (upstream_available(s, i) && rng() % ++count == 0) chosen = i;
    return chosen;
  };
  // Rendezvous hashing, as Caddy's hash policies: a key keeps its upstream while that one is
  // available, and only its keys move when it is not.
  auto by_key = [&](std::string_view key) -> size_t {
    size_t chosen = std::string::npos;
    uint64_t best = 0;
    for (size_t i = 0; i < n; ++i) {
      if (!upstream_available(s, i)) continue;
      uint64_t w = fnv1a(key, (p_.resolved.empty() ? s.upstreams[i] : p_.resolved[i]).hostport);
      if (chosen == std::string::npos || w > best) {
        best = w;
        chosen = i;
      }
    }
    return chosen;
  };
  switch (s.lb_policy) {
    case LbPolicy::random:
      return random_one();
    case LbPolicy::first:
      for (size_t i = 0; i < n; ++i)
        if (upstream_available(s, i)) return i;
      return std::string::npos;
    case LbPolicy::round_robin: {
      uint64_t from = s.next.fetch_add(1, std::memory_order_relaxed);
      for (size_t k = 0; k < n; ++k) {
        size_t i = size_t((from + k) % n);
        if (upstream_available(s, i)) return i;
      }
      return std::string::npos;
    }
    case LbPolicy::least_conn: {
      size_t chosen = std::string::npos, ties = 0;
      int least = 0;
      for (size_t i = 0; i < n; ++i) {
        if (!upstream_available(s, i)) continue;
        int c = s.health[i].in_flight.load(std::memory_order_relaxed);
        if (chosen == std::string::npos || c < least) {
          least = c;
          chosen = i;
          ties = 1;
        } else if (c == least && rng() % ++ties == 0) {
          chosen = i;
        }
      }
      return chosen;
    }
    case LbPolicy::ip_hash:
      return by_key(head_.remote_addr);
    case LbPolicy::client_ip_hash:
      return by_key(head_.client());
    case LbPolicy::uri_hash:
      return by_key(head_.uri);
    case LbPolicy::header: {
      const std::string* v = head_.header(s.lb_header);
      return v ? by_key(*v) : random_one();
    }
  }
  return std::string::npos;
}

void ProxyCall::start() {
  const ProxySettings& s = *p_.settings;
  started_ = std::chrono::steady_clock::now();
  trusted_ = hl_.options().client_ip.is_trusted(head_.remote_addr);
  for (const std::string& range : s.trusted_proxies)
    if (!trusted_ && ip_in_range(range, head_.remote_addr)) trusted_ = true;
  chunked_ = head_.has_body && !head_.content_length;
  upgrade_ = upgrade_type(head_);
  if (!head_.has_body) body_ended_ = body_complete_ = true;
  if (!try_upstream()) retry_or_fail(503, "no upstreams available", true);
}

bool ProxyCall::try_upstream() {
  const ProxySettings& s = *p_.settings;
  size_t i = pick_upstream();
  if (i == std::string::npos) return false;
  ++tries_;
  index_ = i;
  upstream_ = p_.resolved.empty() ? &s.upstreams[i] : &p_.resolved[i];
  s.health[i].in_flight.fetch_add(1, std::memory_order_relaxed);
  counted_ = true;
  got_head_ = false;
  send_request(false);
  return true;
}

void ProxyCall::retry_or_fail(int status, const std::string& what, bool dial_error) {
  const ProxySettings& s = *p_.settings;
  release_upstream();
  // As Caddy's tryAgain: within lb_retries and lb_try_duration, and only when the upstream cannot
  // have taken the request (it was never connected, or a GET); a body already sent cannot be
  // sent again (Pogo does not keep it).
  bool again = s.lb_retries > 0 || s.lb_try_duration.count() > 0;
  if (again && s.lb_try_duration.count() > 0 && std::chrono::steady_clock::now() - started_ >= s.lb_try_duration)
    again = false;
  if (again && s.lb_retries > 0 && tries_ > s.lb_retries) again = false;
  if (again && !dial_error && head_.method != "GET") again = false;
  if (again && body_started_) again = false;
  if (!again) {
    fail(status, what);
    return;
  }
  log::debug("http.handlers.reverse_proxy", "retrying", {{"error", what}, {"tries", tries_}});
  if (s.lb_try_interval.count() <= 0) {
    if (!try_upstream()) retry_or_fail(503, "no upstreams available", true);
    return;
  }
  if (!timer_ && timer_.init(hl_.loop().uv(), uv_timer_init) != 0) {
    fail(status, what);
    return;
  }
  timer_.get()->data = this;
  uv_timer_start(timer_.get(), [](uv_timer_t* t) {
    auto* self = static_cast<ProxyCall*>(t->data);
    if (self->done_) return;
    if (!self->try_upstream()) self->retry_or_fail(503, "no upstreams available", true);
  }, uint64_t(s.lb_try_interval.count()), 0);
}

// On a pooled connection unless `fresh` (the pooled one just failed), else a new one.
void ProxyCall::send_request(bool fresh) {
  const ProxySettings& s = *p_.settings;
  conn_ = fresh || upstream_->dynamic ? nullptr : hl_.upstream_pool().take(upstream_);
  reused_ = conn_ != nullptr;
  bool head_request = head_.method == "HEAD";
  if (conn_) {
    conn_->attach(this, head_request);
  } else {
    char* buf = hl_.read_buffer();
    size_t size = HttpLoop::kReadBufferSize;
    if (s.read_buffer && s.read_buffer < size) size = s.read_buffer;
    conn_ = UpstreamConn::dial(hl_.loop().uv(), upstream_->host, upstream_->port, this, buf, size,
                               uint64_t(s.dial_timeout.count()), s.tls.get(),
                               s.tls_server_name.empty() ? upstream_->host : s.tls_server_name);
    conn_->set_head_request(head_request);
  }
  conn_->set_upgrade_request(!upgrade_.empty());
  // Written where the last request's head was (its capacity kept), and sent or copied at once.
  thread_local std::string head_bytes;
  head_bytes.clear();
  upstream_request_head(head_bytes, head_, p_, *upstream_, trusted_);
  conn_->write(head_bytes);
  if (conn_->connected()) arm_header_timer();
}

void ProxyCall::arm_header_timer() {
  // As Go's ResponseHeaderTimeout: counted once the whole request was written.
  auto t = p_.settings->response_header_timeout;
  if (t.count() <= 0 || got_head_ || done_ || !conn_ || !conn_->connected()) return;
  if (head_.has_body && !body_ended_) return;
  if (!timer_ && timer_.init(hl_.loop().uv(), uv_timer_init) != 0) return;
  timer_.get()->data = this;
  uv_timer_start(timer_.get(), [](uv_timer_t* h) {
    auto* self = static_cast<ProxyCall*>(h->data);
    if (self->done_ || self->got_head_) return;
    if (self->conn_) {
      self->conn_->close();
      self->conn_ = nullptr;
    }
    record_upstream_failure(*self->p_.settings, self->index_);
    self->retry_or_fail(504, "net/http: timeout awaiting response headers from " + self->upstream_->hostport, false);
  }, uint64_t(t.count()), 0);
}

void ProxyCall::fail(int status, const std::string& what) {
  if (done_) return;
  done_ = true;
  timer_.close();
  release_upstream();
  log::error("http.log.error", what,
             {{"logger_detail", "reverse_proxy"},
              {"status", status},
              {"upstream", upstream_ ? upstream_->hostport : std::string()},
              {"request", {{"method", head_.method}, {"uri", head_.uri}, {"remote_ip", head_.remote_addr}}}});
  sink_.proxy_failed(status, what);
}

// ---------------------------------------------------------------- the request body

bool ProxyCall::push_body(const char* data, size_t n) {
  if (done_ || !conn_ || n == 0) return true;  // nobody wants it any more: read and dropped
  body_started_ = true;
  if (chunked_) {
    char size[24];
    int len = std::snprintf(size, sizeof size, "%zx\r\n", n);
    conn_->write({std::string_view(size, size_t(len)), std::string_view(data, n), "\r\n"});
  } else {
    conn_->write(std::string_view(data, n));
  }
  if (conn_ && conn_->queued() >= kUploadQueue) {
    body_paused_ = true;
    return false;
  }
  return true;
}

void ProxyCall::end_body(bool complete) {
  if (body_ended_) return;
  body_ended_ = true;
  body_complete_ = complete;
  if (done_ || !conn_) return;
  if (!complete) {
    // The client's body was cut short: the upstream must not take what came for all of it.
    conn_->close();
    conn_ = nullptr;
    done_ = true;
    timer_.close();
    release_upstream();
    return;
  }
  if (chunked_) conn_->write("0\r\n\r\n");
  arm_header_timer();
}

void ProxyCall::upstream_drained() {
  if (!body_paused_ || done_) return;
  body_paused_ = false;
  sink_.proxy_body_wanted();
}

// ---------------------------------------------------------------- the response

void ProxyCall::upstream_connected() { arm_header_timer(); }

void ProxyCall::upstream_failed(const std::string& what, bool timeout) {
  bool dial_error = conn_ && !conn_->connected();  // closed, not freed yet
  conn_ = nullptr;
  if (done_) return;
  // A pooled connection the upstream had closed meanwhile: the request is sent again on a new
  // one, when nothing of it can have been taken as a request already (no body sent, no answer).
  if (reused_ && !got_head_ && !body_started_ && !head_.has_body) {
    send_request(true);
    return;
  }
  record_upstream_failure(*p_.settings, index_);
  if (got_head_) {
    done_ = true;
    timer_.close();
    release_upstream();
    log::warn("http.log.error", "reverse_proxy: " + what, {{"upstream", upstream_->hostport}, {"uri", head_.uri}});
    sink_.proxy_failed(502, what);
    return;
  }
  retry_or_fail(timeout ? 504 : 502, what, dial_error);
}

void ProxyCall::upstream_interim(ResponseHead& head) {
  if (done_) return;
  strip_hop_by_hop(head.headers);
  sink_.proxy_interim(head);
}

void ProxyCall::upstream_head(ResponseHead& head) {
  if (done_) return;
  got_head_ = true;
  if (timer_) uv_timer_stop(timer_.get());
  for (int bad : p_.settings->unhealthy_status)
    if (status_matches(head.status, bad)) {
      record_upstream_failure(*p_.settings, index_);
      break;
    }
  strip_hop_by_hop(head.headers);
  if (p_.header_down) p_.header_down->apply_to_request(head.headers);  // every operation, at once
  sink_.proxy_head(head);
}

void ProxyCall::upstream_upgraded(ResponseHead& head) {
  if (done_) return;
  got_head_ = true;
  if (timer_) uv_timer_stop(timer_.get());
  // As Go's proxy: the upstream must switch to the protocol the client asked for.
  const std::string* to = nullptr;
  for (const auto& f : head.headers)
    if (header_name_equals(f.name, "Upgrade")) to = &f.value;
  if (!to || !header_name_equals(*to, upgrade_)) {
    if (conn_) conn_->close();
    conn_ = nullptr;
    fail(502, "upstream " + upstream_->hostport + " switched to protocol " + (to ? *to : std::string("(none)")) +
                  " when " + upgrade_ + " was requested");
    return;
  }
  tunnel_ = true;
  strip_hop_by_hop(head.headers);
  if (p_.header_down) p_.header_down->apply_to_request(head.headers);
  head.headers.push_back({"Connection", "Upgrade"});
  head.headers.push_back({"Upgrade", upgrade_});
  log::debug("http.handlers.reverse_proxy", "upgrade", {{"upstream", upstream_->hostport}, {"protocol", upgrade_}});
  sink_.proxy_upgrade(head);
}

void ProxyCall::upstream_data(std::string_view data) {
  if (done_) return;
  if (sink_.proxy_data(data) && conn_ && !done_) conn_->pause_reading();
}

void ProxyCall::upstream_read_done() {
  if (!done_) sink_.proxy_flush();
}

void ProxyCall::output_ready() {
  if (conn_ && !done_) conn_->resume_reading();
}

void ProxyCall::upstream_complete() {
  if (done_) return;
  done_ = true;
  timer_.close();
  release_upstream();
  UpstreamConn* c = conn_;
  conn_ = nullptr;
  // Kept for the next request only when this one was sent whole.
  if (c && !c->closed()) {
    if (body_ended_ && body_complete_ && !body_paused_ && !upstream_->dynamic)
      hl_.upstream_pool().put(upstream_, c, *p_.settings);
    else
      c->close();
  }
  sink_.proxy_end();
}

}  // namespace pogo::server
