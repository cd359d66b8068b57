#include "server/upstream_conn.h"

#include <algorithm>
#include <cstring>

namespace pogo::server {

struct UpstreamConn::WriteReq {
  uv_write_t req;
  UpstreamConn* conn;
  std::string data;
};

UpstreamConn::UpstreamConn(uv_loop_t* loop, Client* client, char* read_buf, size_t read_size)
    : loop_(loop), client_(client), read_buf_(read_buf), read_size_(read_size) {
  llhttp_settings_init(&settings_);
  settings_.on_message_begin = &UpstreamConn::on_message_begin;
  settings_.on_header_field = &UpstreamConn::on_header_field;
  settings_.on_header_value = &UpstreamConn::on_header_value;
  settings_.on_header_value_complete = &UpstreamConn::on_header_value_complete;
  settings_.on_headers_complete = &UpstreamConn::on_headers_complete;
  settings_.on_body = &UpstreamConn::on_body;
  settings_.on_message_complete = &UpstreamConn::on_message_complete;
  reset_parser();
}

void UpstreamConn::reset_parser() {
  llhttp_init(&parser_, HTTP_RESPONSE, &settings_);
  parser_.data = this;
  complete_ = reusable_ = got_bytes_ = false;
}

UpstreamConn* UpstreamConn::dial(uv_loop_t* loop, const std::string& host, uint16_t port, Client* client,
                                 char* read_buf, size_t read_size, uint64_t dial_timeout_ms, SSL_CTX* tls,
                                 const std::string& tls_name) {
  auto* c = new UpstreamConn(loop, client, read_buf, read_size);
  c->tls_ctx_ = tls;
  c->tls_name_ = tls_name;
  c->hostport_ = (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
  c->tcp_ = new uv_tcp_t;
  c->timer_ = new uv_timer_t;
  uv_tcp_init(loop, c->tcp_);
  uv_timer_init(loop, c->timer_);
  c->tcp_->data = c->timer_->data = c;
  c->ops_ = 2;  // the two handles, until their close callbacks
  if (dial_timeout_ms) uv_timer_start(c->timer_, &UpstreamConn::on_timer, dial_timeout_ms, 0);

  sockaddr_storage sa{};
  if (uv_ip4_addr(host.c_str(), port, reinterpret_cast<sockaddr_in*>(&sa)) == 0 ||
      uv_ip6_addr(host.c_str(), port, reinterpret_cast<sockaddr_in6*>(&sa)) == 0) {
    c->connect_to(reinterpret_cast<const sockaddr*>(&sa));
    return c;
  }
  // A name: resolved in libuv's thread pool (getaddrinfo blocks).
  auto* req = new uv_getaddrinfo_t;
  req->data = c;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  std::string service = std::to_string(port);
  ++c->ops_;
  int rc = uv_getaddrinfo(
      loop, req,
      [](uv_getaddrinfo_t* r, int status, addrinfo* res) {
        auto* conn = static_cast<UpstreamConn*>(r->data);
        delete r;
        bool closed = conn->closed_;
        conn->release_op();
        if (closed) {
          if (res) uv_freeaddrinfo(res);
          return;
        }
        if (status < 0 || !res) {
          conn->fail("lookup " + conn->hostport_ + ": " + uv_strerror(status));
        } else {
          conn->connect_to(res->ai_addr);
        }
        if (res) uv_freeaddrinfo(res);
      },
      host.c_str(), service.c_str(), &hints);
  if (rc < 0) {
    delete req;
    --c->ops_;
    c->fail_later("lookup " + c->hostport_ + ": " + uv_strerror(rc));
  }
  return c;
}

void UpstreamConn::connect_to(const sockaddr* addr) {
  auto* req = new uv_connect_t;
  req->data = this;
  ++ops_;
  int rc = uv_tcp_connect(req, tcp_, addr, [](uv_connect_t* r, int status) {
    auto* c = static_cast<UpstreamConn*>(r->data);
    delete r;
    bool closed = c->closed_;
    c->release_op();
    if (closed) return;
    if (status < 0) {
      c->fail("dial tcp " + c->hostport_ + ": connect: " + uv_strerror(status));
      return;
    }
    c->on_tcp_connected();
  });
  if (rc < 0) {
    delete req;
    --ops_;
    fail_later("dial tcp " + hostport_ + ": connect: " + uv_strerror(rc));
  }
}

void UpstreamConn::on_tcp_connected() {
  tcp_up_ = true;
  uv_tcp_nodelay(tcp_, 1);
  if (!tls_ctx_) {
    ready();
    return;
  }
  // The handshake runs within the dial timeout; the request waits in pending_ until it is done.
  try {
    tls_ = std::make_unique<tls::Session>(tls::Session::Client{}, tls_ctx_, tls_name_);
  } catch (const std::exception& e) {
    fail(e.what());
    return;
  }
  tls::Session::Result r = tls_->start();
  send_tls_output();
  if (closed_) return;
  if (r == tls::Session::Result::Error) {
    fail("TLS handshake with " + hostport_ + ": " + tls_->error());
    return;
  }
  start_reading();
}

void UpstreamConn::ready() {
  connected_ = true;
  uv_timer_stop(timer_);
  start_reading();
  std::string pending = std::move(pending_);
  pending_.clear();
  queued_ -= pending.size();  // what remains is handshake bytes still being written
  write(pending);
  if (!client_ || closed_) return;
  client_->upstream_connected();
  // A request body paused while dialing waits for a drain: everything went out at once.
  if (client_ && !closed_ && queued_ == 0) client_->upstream_drained();
}

void UpstreamConn::send_tls_output() {
  if (!tls_ || tls_->output().empty() || closed_) return;
  std::string out = std::move(tls_->output());
  tls_->output().clear();
  write_raw({out});
}

void UpstreamConn::fail_later(std::string what) {
  later_error_ = std::move(what);
  idle_armed_ = false;
  uv_timer_start(timer_, &UpstreamConn::on_timer, 0, 0);
}

void UpstreamConn::on_timer(uv_timer_t* t) {
  auto* c = static_cast<UpstreamConn*>(t->data);
  c->idle_armed_ = false;
  if (c->closed_) return;
  if (!c->later_error_.empty()) return c->fail(c->later_error_);
  if (!c->client_) {
    // Parked: idle too long in the pool, unless it was in use since the timer was set.
    uint64_t idle = uv_now(c->loop_) - c->parked_at_;
    if (c->idle_ms_ && idle < c->idle_ms_) {
      c->idle_armed_ = true;
      uv_timer_start(c->timer_, &UpstreamConn::on_timer, c->idle_ms_ - idle, 0);
      return;
    }
    return c->lost();
  }
  if (!c->connected_)
    c->fail(c->tcp_up_ ? "TLS handshake with " + c->hostport_ + ": timeout" : "dial tcp " + c->hostport_ + ": i/o timeout",
            true);
}

void UpstreamConn::fail(const std::string& what, bool timeout) {
  if (closed_) return;
  Client* client = client_;
  close();
  if (client) client->upstream_failed(what, timeout);
}

void UpstreamConn::lost() {
  auto fn = on_lost_;
  void* ctx = lost_ctx_;
  on_lost_ = nullptr;
  close();
  if (fn) fn(ctx, this);
}

void UpstreamConn::attach(Client* client, bool head_request) {
  // The pool's idle timer stays armed (it is set again at every park otherwise): firing while the
  // connection is in use does nothing, and after a later park it waits out the rest.
  on_lost_ = nullptr;
  client_ = client;
  head_request_ = head_request;
  reset_parser();
  resume_reading();
}

void UpstreamConn::park(void (*on_lost)(void*, UpstreamConn*), void* ctx, uint64_t idle_ms) {
  client_ = nullptr;
  on_lost_ = on_lost;
  lost_ctx_ = ctx;
  reset_parser();
  resume_reading();
  idle_ms_ = idle_ms;
  parked_at_ = uv_now(loop_);
  if (idle_ms && !idle_armed_) {
    idle_armed_ = true;
    uv_timer_start(timer_, &UpstreamConn::on_timer, idle_ms, 0);
  }
}

// ---------------------------------------------------------------- writing

void UpstreamConn::write(std::initializer_list<std::string_view> parts) {
  size_t total = 0;
  for (std::string_view p : parts) total += p.size();
  if (closed_ || total == 0) return;
  if (!connected_) {
    for (std::string_view p : parts) pending_.append(p);
    queued_ += total;
    return;
  }
  if (!tls_) {
    write_raw(parts);
    return;
  }
  for (std::string_view p : parts) {
    if (!p.empty() && tls_->send(p.data(), p.size()) == tls::Session::Result::Error) {
      fail_later("TLS write to " + hostport_ + ": " + tls_->error());
      return;
    }
  }
  send_tls_output();
}

void UpstreamConn::write_raw(std::initializer_list<std::string_view> parts) {
  size_t total = 0;
  for (std::string_view p : parts) total += p.size();
  if (closed_ || total == 0) return;
  size_t sent = 0;
  if (queued_ == 0) {
    uv_buf_t bufs[8];
    unsigned n = 0;
    for (std::string_view p : parts)
      if (!p.empty() && n < 8) bufs[n++] = uv_buf_init(const_cast<char*>(p.data()), unsigned(p.size()));
    int k = uv_try_write(reinterpret_cast<uv_stream_t*>(tcp_), bufs, n);
    if (k > 0) sent = size_t(k);
    if (sent == total) return;
    // Anything else (the socket is full, or broken): the queued write reports it.
  }
  std::string rest;
  rest.reserve(total - sent);
  for (std::string_view p : parts) {
    size_t skip = std::min(sent, p.size());
    sent -= skip;
    rest.append(p.substr(skip));
  }
  const size_t len = rest.size();
  auto* w = new WriteReq{{}, this, std::move(rest)};
  w->req.data = w;
  uv_buf_t b = uv_buf_init(w->data.data(), unsigned(w->data.size()));
  int rc = uv_write(&w->req, reinterpret_cast<uv_stream_t*>(tcp_), &b, 1, [](uv_write_t* r, int status) {
    auto* w = static_cast<WriteReq*>(r->data);
    UpstreamConn* c = w->conn;
    size_t n = w->data.size();
    delete w;
    bool closed = c->closed_;
    c->release_op();
    if (closed) return;
    c->queued_ -= n;
    if (status < 0) {
      c->fail("write to " + c->hostport_ + ": " + uv_strerror(status));
      return;
    }
    if (c->queued_ == 0 && c->client_) c->client_->upstream_drained();
  });
  if (rc < 0) {
    delete w;
    fail_later("write to " + hostport_ + ": " + uv_strerror(rc));
    return;
  }
  ++ops_;
  queued_ += len;
}

// ---------------------------------------------------------------- reading

void UpstreamConn::start_reading() {
  if (closed_ || reading_ || !tcp_up_) return;
  reading_ = true;
  uv_read_start(
      reinterpret_cast<uv_stream_t*>(tcp_),
      [](uv_handle_t* h, size_t, uv_buf_t* buf) {
        auto* c = static_cast<UpstreamConn*>(h->data);
        *buf = uv_buf_init(c->read_buf_, unsigned(c->read_size_));
      },
      [](uv_stream_t* s, ssize_t n, const uv_buf_t* buf) { static_cast<UpstreamConn*>(s->data)->on_read(n, buf); });
}

void UpstreamConn::pause_reading() {
  paused_ = true;
  if (reading_ && !closed_) {
    uv_read_stop(reinterpret_cast<uv_stream_t*>(tcp_));
    reading_ = false;
  }
}

void UpstreamConn::resume_reading() {
  paused_ = false;
  start_reading();
}

void UpstreamConn::on_read(ssize_t n, const uv_buf_t* buf) {
  if (closed_ || n == 0) return;
  if (n > 0 && tls_) {
    tls_plain_.clear();
    tls::Session::Result r = tls_->receive(buf->base, size_t(n), tls_plain_);
    send_tls_output();  // handshake messages, a key update's answer
    if (closed_) return;
    if (r == tls::Session::Result::Error) {
      fail((connected_ ? "TLS read from " : "TLS handshake with ") + hostport_ + ": " + tls_->error());
      return;
    }
    if (!connected_ && tls_->handshake_done()) {
      ready();
      if (closed_) return;
    }
    // Parked, a session ticket is no reason to drop the connection; anything it decrypts to is.
    if (!tls_plain_.empty()) take(tls_plain_.data(), tls_plain_.size());
    if (r == tls::Session::Result::Closed && !closed_) on_eof();
    return;
  }
  if (n > 0) {
    take(buf->base, size_t(n));
    return;
  }
  if (!client_) {  // parked: the upstream closed it
    lost();
    return;
  }
  if (n != UV_EOF) {
    fail("read from " + hostport_ + ": " + uv_strerror(int(n)));
    return;
  }
  on_eof();
}

void UpstreamConn::take(const char* data, size_t n) {
  if (!client_) {  // parked: the upstream talks out of turn
    lost();
    return;
  }
  if (tunnel_) {
    client_->upstream_data(std::string_view(data, n));
    if (!closed_ && client_) client_->upstream_read_done();
    return;
  }
  parse(data, n);
}

void UpstreamConn::on_eof() {
  if (!client_) {
    lost();
    return;
  }
  if (tunnel_) {  // the upstream ended the tunnel
    Client* c = client_;
    close();
    c->upstream_complete();
    return;
  }
  // The upstream closed: the end of a body that runs until the close, or a response cut short.
  eof_ = true;
  llhttp_errno_t end = llhttp_finish(&parser_);  // HPE_PAUSED: on_message_complete stopped it
  if ((end != HPE_OK && end != HPE_PAUSED) || !complete_) {
    fail(got_bytes_ ? "upstream " + hostport_ + " closed the connection before the response ended"
                    : "upstream " + hostport_ + " closed the connection without a response");
    return;
  }
  reusable_ = false;
  complete_ = false;
  Client* c = client_;
  close();
  c->upstream_complete();
}

void UpstreamConn::parse(const char* data, size_t n) {
  got_bytes_ = true;
  llhttp_errno_t err = llhttp_execute(&parser_, data, n);
  if (closed_) return;
  if (tunnel_ && err == HPE_PAUSED) {  // the 101's head ended: what follows is the new protocol's
    const char* stop = llhttp_get_error_pos(&parser_);
    reusable_ = false;
    client_->upstream_upgraded(head_);
    if (closed_ || !client_) return;
    if (stop && stop >= data && stop < data + n) client_->upstream_data(std::string_view(stop, size_t(data + n - stop)));
    if (!closed_ && client_) client_->upstream_read_done();
    return;
  }
  if (err == HPE_PAUSED) {
    // Stopped at the end of the response: bytes after it are not a response to anything we sent.
    const char* stop = llhttp_get_error_pos(&parser_);
    if (stop && stop < data + n) reusable_ = false;
    llhttp_resume(&parser_);
  } else if (err != HPE_OK) {
    fail(!later_error_.empty() ? later_error_
                               : "malformed response from " + hostport_ + ": " + llhttp_errno_name(err) + " (" +
                                     llhttp_get_error_reason(&parser_) + ")");
    return;
  }
  if (complete_) {
    complete_ = false;
    client_->upstream_complete();
  } else if (client_) {
    client_->upstream_read_done();
  }
}

int UpstreamConn::on_message_begin(llhttp_t* p) {
  auto* c = static_cast<UpstreamConn*>(p->data);
  // The lines are written over those of the last head (when the client gave them back), in
  // place and by position: an upstream repeats its fields, so their strings are reused.
  if (c->head_.headers.capacity() < 16) c->head_.headers.reserve(16);
  c->lines_ = 0;
  c->line_open_ = false;
  c->in_head_ = true;
  c->head_.status = 200;
  c->head_.error = false;
  c->head_.error_message.clear();
  c->head_.error_trace.clear();
  return 0;
}

// Line lines_ of the head, emptied the first time a piece of it comes.
Header& UpstreamConn::line() {
  std::vector<Header>& hs = head_.headers;
  if (!line_open_) {
    line_open_ = true;
    if (lines_ == hs.size()) return hs.emplace_back();
    hs[lines_].name.clear();
    hs[lines_].value.clear();
  }
  return hs[lines_];
}

int UpstreamConn::on_header_field(llhttp_t* p, const char* at, size_t n) {
  auto* c = static_cast<UpstreamConn*>(p->data);
  if (c->in_head_) c->line().name.append(at, n);  // (a trailer's are not kept)
  return 0;
}

int UpstreamConn::on_header_value(llhttp_t* p, const char* at, size_t n) {
  auto* c = static_cast<UpstreamConn*>(p->data);
  if (c->in_head_) c->line().value.append(at, n);
  return 0;
}

int UpstreamConn::on_header_value_complete(llhttp_t* p) {
  auto* c = static_cast<UpstreamConn*>(p->data);
  if (c->in_head_ && c->line_open_) {  // (a line without a name or a value has no line)
    ++c->lines_;
    c->line_open_ = false;
  }
  return 0;
}

int UpstreamConn::on_headers_complete(llhttp_t* p) {
  auto* c = static_cast<UpstreamConn*>(p->data);
  c->head_.headers.resize(c->lines_);  // the last head's lines past this one's go
  c->in_head_ = false;
  c->head_.status = p->status_code;
  if (c->head_.status == 101 && c->upgrade_request_ && c->client_) {
    c->tunnel_ = true;
    return HPE_PAUSED;  // parse() hands the head over, then the bytes after it as they are
  }
  if (c->head_.status == 101) {
    c->later_error_ = "upstream " + c->hostport_ + " switched protocols, which this proxy does not pass on";
    return -1;
  }
  if (c->head_.status >= 100 && c->head_.status < 200) {
    if (c->client_) c->client_->upstream_interim(c->head_);
    return 0;
  }
  if (c->client_) c->client_->upstream_head(c->head_);
  return c->head_request_ ? 1 : 0;  // 1: no body follows, whatever the head says
}

int UpstreamConn::on_body(llhttp_t* p, const char* at, size_t n) {
  auto* c = static_cast<UpstreamConn*>(p->data);
  if (c->client_ && !c->closed_) c->client_->upstream_data(std::string_view(at, n));
  return 0;
}

int UpstreamConn::on_message_complete(llhttp_t* p) {
  auto* c = static_cast<UpstreamConn*>(p->data);
  if (c->head_.status >= 100 && c->head_.status < 200) return 0;  // the final response follows
  c->complete_ = true;
  c->reusable_ = llhttp_should_keep_alive(p) != 0 && !c->eof_;
  return HPE_PAUSED;
}

// ---------------------------------------------------------------- closing

void UpstreamConn::close() {
  if (closed_) return;
  closed_ = true;
  client_ = nullptr;
  auto closed = [](uv_handle_t* h) {
    auto* c = static_cast<UpstreamConn*>(h->data);
    if (h->type == UV_TCP) delete reinterpret_cast<uv_tcp_t*>(h);
    else delete reinterpret_cast<uv_timer_t*>(h);
    c->release_op();
  };
  uv_close(reinterpret_cast<uv_handle_t*>(tcp_), closed);
  uv_close(reinterpret_cast<uv_handle_t*>(timer_), closed);
}

// One callback fewer to come; the last one after close() frees the connection.
void UpstreamConn::release_op() {
  if (--ops_ == 0 && closed_) delete this;
}

}  // namespace pogo::server
