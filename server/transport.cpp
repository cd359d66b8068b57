#include "server/transport.h"

#include <unistd.h>

#include "server/exchange.h"
#include "server/listener.h"
#include "server/log.h"
#include "tls/session.h"

namespace pogo::server {

struct Transport::WriteReq {
  uv_write_t req;  // first member: the callback casts back
  Transport* transport = nullptr;
  std::string data;
  std::shared_ptr<Exchange> ex;
  size_t credit = 0;
};

Transport::Transport(uv_loop_t* loop, Owner& owner, char* read_buffer, size_t read_buffer_size)
    : loop_(loop), owner_(owner), read_buffer_(read_buffer), read_buffer_size_(read_buffer_size) {}

Transport::~Transport() = default;

bool Transport::open(int fd, SSL_CTX* tls) {
  if (tcp_.init(loop_, uv_tcp_init) != 0) {
    ::close(fd);
    return false;
  }
  tcp_.get()->data = this;
  if (uv_tcp_open(tcp_.get(), fd) != 0) {
    ::close(fd);
    return false;
  }
  uv_tcp_nodelay(tcp_.get(), 1);
  if (tls) {
    try {
      // A client that connected by IP sends no SNI: the local address picks the site then.
      sockaddr_storage sa{};
      int len = sizeof sa;
      std::string local_ip;
      if (uv_tcp_getsockname(tcp_.get(), reinterpret_cast<sockaddr*>(&sa), &len) == 0) local_ip = socket_ip(sa);
      tls_ = std::make_unique<tls::Session>(tls, std::move(local_ip));
    } catch (const std::exception& e) {
      log::error("tls", "could not start a TLS session", {{"error", e.what()}});
      return false;
    }
  }
  return true;
}

std::string_view Transport::alpn() const { return tls_ ? tls_->alpn() : std::string_view(); }

// ---------------------------------------------------------------- reading

void Transport::on_alloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
  auto* t = static_cast<Transport*>(h->data);
  // One buffer per loop: a read callback consumes (or copies) everything before returning.
  *buf = uv_buf_init(t->read_buffer_, unsigned(t->read_buffer_size_));
}

void Transport::on_read(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
  auto* t = static_cast<Transport*>(s->data);
  if (nread == 0 || t->closed_) return;
  if (nread < 0) {
    t->owner_.on_transport_eof();
    return;
  }
  if (t->tls_)
    t->received_tls(buf->base, size_t(nread));
  else
    t->owner_.on_transport_data(buf->base, size_t(nread));
}

void Transport::received_tls(const char* data, size_t n) {
  plain_.clear();
  tls::Session::Result r = tls_->receive(data, n, plain_);
  // Handshake records, alerts and tickets go out whatever happened.
  if (!tls_->output().empty()) {
    cipher_out_.swap(tls_->output());
    tls_->output().clear();
    if (!write_raw(cipher_out_, {}, nullptr, 0)) return;
  }
  if (r == tls::Session::Result::Error) {
    if (tls_->plaintext_http()) {
      // What Go's server (so Caddy) answers, in plaintext, before closing.
      std::string msg =
          "HTTP/1.0 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"
          "Client sent an HTTP request to an HTTPS server.\n";
      log::debug("tls", "plaintext HTTP request on the HTTPS port");
      write_raw(msg, {}, nullptr, 0);
      if (!closed_) owner_.on_transport_eof();
      return;
    }
    log::debug("tls", "TLS connection refused", {{"error", tls_->error()}});
    owner_.on_transport_lost();
    return;
  }
  if (!secure_reported_ && tls_->handshake_done()) {
    secure_reported_ = true;
    owner_.on_transport_secure();
    if (closed_) return;
  }
  if (!plain_.empty()) {
    std::string chunk;
    chunk.swap(plain_);  // the owner may read again (re-entering) only after this returns
    owner_.on_transport_data(chunk.data(), chunk.size());
    if (plain_.empty()) plain_.swap(chunk);  // keep the capacity
  }
  if (r == tls::Session::Result::Closed && !closed_) owner_.on_transport_eof();
}

void Transport::start_reading() {
  if (reading_ || closed_) return;
  if (uv_read_start(reinterpret_cast<uv_stream_t*>(tcp_.get()), &Transport::on_alloc, &Transport::on_read) == 0)
    reading_ = true;
}

void Transport::stop_reading() {
  if (!reading_ || closed_) return;
  uv_read_stop(reinterpret_cast<uv_stream_t*>(tcp_.get()));
  reading_ = false;
}

// ---------------------------------------------------------------- writing

namespace {
constexpr size_t kCoalesce = 16 << 10;  // one maximal TLS record
}  // namespace

bool Transport::write(std::string& out, std::string_view ext, const std::shared_ptr<Exchange>& ex, size_t credit) {
  if (closed_) {
    out.clear();
    return false;
  }
  if (!tls_) return write_raw(out, ext, ex, credit);
  tls::Session::Result r = tls::Session::Result::Ok;
  if (!out.empty() && !ext.empty() && out.size() + ext.size() <= kCoalesce) {
    out.append(ext);  // one record for a head and a small body, not two
    ext = {};
  }
  if (!out.empty()) r = tls_->send(out.data(), out.size());
  if (r == tls::Session::Result::Ok && !ext.empty()) r = tls_->send(ext.data(), ext.size());
  out.clear();
  if (r != tls::Session::Result::Ok) {
    fail("TLS encryption failed");
    return false;
  }
  cipher_out_.swap(tls_->output());
  tls_->output().clear();
  return write_raw(cipher_out_, {}, ex, credit);
}

bool Transport::write_raw(std::string& out, std::string_view ext, const std::shared_ptr<Exchange>& ex,
                          size_t credit) {
  if (out.empty() && ext.empty()) {
    if (credit && ex) ex->bytes_written(credit);
    return true;
  }
  auto* stream = reinterpret_cast<uv_stream_t*>(tcp_.get());
  size_t written = 0;
  if (writes_in_flight_ == 0) {  // else the order would break
    uv_buf_t bufs[2];
    unsigned nb = 0;
    if (!out.empty()) bufs[nb++] = uv_buf_init(out.data(), unsigned(out.size()));
    if (!ext.empty()) bufs[nb++] = uv_buf_init(const_cast<char*>(ext.data()), unsigned(ext.size()));
    int n = uv_try_write(stream, bufs, nb);
    if (n >= 0) {
      written = size_t(n);
    } else if (n != UV_EAGAIN && n != UV_ENOSYS) {
      out.clear();
      fail(uv_strerror(n));
      return false;
    }
  }
  if (written == out.size() + ext.size()) {
    out.clear();
    if (credit && ex) ex->bytes_written(credit);
    return true;
  }
  // Queue the rest. `ext` belongs to the caller, so whatever of it is left is copied.
  std::unique_ptr<WriteReq> w;
  if (!free_writes_.empty()) {
    w = std::move(free_writes_.back());
    free_writes_.pop_back();
  } else {
    w = std::make_unique<WriteReq>();
  }
  w->transport = this;
  if (written >= out.size()) {
    w->data.assign(ext.substr(written - out.size()));
  } else {
    w->data.swap(out);
    if (written) w->data.erase(0, written);
    w->data.append(ext);
  }
  out.clear();
  w->credit = credit;
  if (credit) w->ex = ex;
  uv_buf_t b = uv_buf_init(w->data.data(), unsigned(w->data.size()));
  WriteReq* raw = w.release();
  if (int rc = uv_write(&raw->req, stream, &b, 1, &Transport::on_write); rc != 0) {
    if (raw->ex) raw->ex->bytes_written(raw->credit);
    delete raw;
    fail(uv_strerror(rc));
    return false;
  }
  ++writes_in_flight_;
  return true;
}

void Transport::on_write(uv_write_t* req, int status) {
  auto* w = reinterpret_cast<WriteReq*>(req);
  Transport* t = w->transport;
  --t->writes_in_flight_;
  if (w->ex) {
    w->ex->bytes_written(w->credit);
    w->ex.reset();
  }
  w->credit = 0;
  w->data.clear();
  if (t->free_writes_.size() < 4 && w->data.capacity() <= (1u << 20))
    t->free_writes_.emplace_back(w);
  else
    delete w;
  if (t->closed_) return;
  if (status < 0) {
    t->fail(uv_strerror(status));
    return;
  }
  t->owner_.on_transport_written();
}

void Transport::fail(const char* what) {
  log::debug("http", "write failed", {{"error", what}});
  owner_.on_transport_lost();
}

// ---------------------------------------------------------------- closing

void Transport::shutdown(std::function<void(int)> done) {
  if (closed_) return;
  if (tls_ && tls_->handshake_done()) {
    tls_->shutdown();
    cipher_out_.swap(tls_->output());
    tls_->output().clear();
    if (!write_raw(cipher_out_, {}, nullptr, 0)) return;
  }
  shutdown_done_ = std::move(done);
  shutdown_req_.data = this;
  int rc = uv_shutdown(&shutdown_req_, reinterpret_cast<uv_stream_t*>(tcp_.get()), [](uv_shutdown_t* r, int status) {
    auto* t = static_cast<Transport*>(r->data);
    if (t->closed_) return;
    auto cb = std::move(t->shutdown_done_);
    if (cb) cb(status);
  });
  if (rc != 0) {
    auto cb = std::move(shutdown_done_);
    if (cb) cb(rc);
  }
}

void Transport::close(std::function<void()> closed) {
  if (closed_) return;
  closed_ = true;
  reading_ = false;
  tcp_.close(std::move(closed));
}

}  // namespace pogo::server
