// The HTTP/1.1 side of Connection's Stream: response heads, chunked or length framing, 100
// Continue, writes with the exchange's credit; and the end of each request (keep-alive or
// close).
#include <sys/sendfile.h>

#include <algorithm>
#include <cerrno>

#include "server/connection.h"
#include "server/http_loop.h"
#include "server/log.h"

namespace pogo::server {

namespace {
constexpr size_t kFlushThreshold = 256 << 10;  // response bytes gathered before writing
constexpr uint64_t kSendfileChunk = 1 << 20;     // per call, so one big file does not hog the loop
}  // namespace

Framing Connection::stream_head(Stream& s, const ResponseHead& head, std::optional<uint64_t> length) {
  const RequestHead& h = s.head();
  RequestFacts f;
  f.head_method = s.head_request();
  f.http_major = h.http_major;
  f.http_minor = h.http_minor;
  f.keep_alive = keep_alive_ && !hl_.draining();
  Framing fr = serialize_response_head(out_, head, f, length);
  if (!fr.keep_alive) keep_alive_ = false;
  return fr;
}

void Connection::stream_interim(Stream&, const ResponseHead& head) { serialize_interim(out_, head); }

bool Connection::stream_upgrade(Stream&, const ResponseHead& head) {
  if (h2_ || closed_) return false;
  serialize_interim(out_, head);
  tunnel_ = true;
  keep_alive_ = false;
  // A tunnel lives as long as its two ends talk: the request's deadlines no longer apply.
  body_deadline_ = body_idle_deadline_ = write_deadline_ = 0;
  arm_timer();
  flush();
  if (closed_) return true;
  // What the client sent after its handshake, before the answer, is the new protocol's already.
  if (!pending_.empty()) {
    std::string early = std::move(pending_);
    pending_.clear();
    if (!stream_.tunnel_data(early.data(), early.size())) body_paused_ = true;
  }
  if (!closed_ && !body_paused_) start_reading();
  return true;
}

void Connection::stream_continue(Stream&) {
  out_ += "HTTP/1.1 100 Continue\r\n\r\n";
  flush();
}

void Connection::stream_body(Stream& s, std::string_view data) {
  if (s.framing().mode == Framing::Chunked) {
    append_chunk_header(out_, data.size());
    out_ += data;
    out_ += "\r\n";
  } else {
    out_ += data;
  }
}

void Connection::stream_file_data(Stream& s, std::string_view data) {
  if (s.framing().mode == Framing::Chunked) {
    stream_body(s, data);
    flush();
  } else {
    flush(data.data(), data.size());
  }
}

int64_t Connection::stream_sendfile(Stream& s, int fd, uint64_t offset, uint64_t length) {
  // Plaintext with a Content-Length only: TLS must encrypt the bytes, chunked framing wraps them.
  if (closed_ || transport_.secure() || s.framing().mode != Framing::Length) return -1;
  if (!out_.empty()) flush();  // the head first
  if (closed_ || transport_.writes_in_flight() > 0) return -1;
  uv_os_fd_t sock = -1;
  if (uv_fileno(reinterpret_cast<const uv_handle_t*>(transport_.tcp()), &sock) != 0) return -1;
  off_t off = off_t(offset);
  ssize_t n = ::sendfile(sock, fd, &off, size_t(std::min(length, kSendfileChunk)));
  if (n > 0) {
    if (write_idle_deadline_) set_deadline(write_idle_deadline_, hl_.options().write_idle_timeout);
    return n;
  }
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
  return -1;  // unsupported here, the file shrank, or the socket failed: the read path reports it
}

void Connection::stream_end(Stream& s) {
  if (s.framing().mode == Framing::Chunked) out_ += "0\r\n\r\n";
}

void Connection::stream_flush(Stream& s, size_t credit) { flush(nullptr, 0, s.exchange(), credit); }

bool Connection::stream_blocked(const Stream&) const {
  return transport_.writes_in_flight() > 0 || out_.size() >= kFlushThreshold;
}

bool Connection::stream_should_flush(const Stream&) const { return out_.size() >= kFlushThreshold; }

void Connection::stream_done(Stream& s) {
  if (s.short_body()) keep_alive_ = false;  // the client would wait for the missing bytes
  if (request_complete_) {
    finish_request();
  } else if (request_has_body_) {
    keep_alive_ = false;  // the rest of the body is not ours to wait for
    finish_request();
  }
  // else: a request without body completes in the parse loop that is running right now
}

void Connection::stream_failed(Stream&) { close_now(); }

void Connection::stream_rejecting(Stream&) {
  keep_alive_ = false;
  phase_ = Phase::Active;
  request_complete_ = true;  // nothing more is parsed on this connection
}

void Connection::stream_body_unused(Stream&) {
  keep_alive_ = false;  // a body nobody reads is not worth draining: answer, then close
}

void Connection::stream_body_wanted(Stream& s) {
  if (closed_ || !body_paused_ || !s.body_wanted()) return;
  body_paused_ = false;
  start_reading();
  if (!tunnel_) parse_pending();
}

void Connection::stream_io_begin() { ++pending_ops_; }

void Connection::stream_io_end() { release_op(); }

void Connection::finish_request() {
  stream_.reset(true);  // writes the access-log line; the head's buffers serve the next request
  phase_ = Phase::Idle;
  request_complete_ = request_has_body_ = false;
  body_paused_ = false;
  body_error_ = 0;
  body_deadline_ = write_deadline_ = header_deadline_ = body_idle_deadline_ = 0;
  // While draining for a reload, a response whose head promised keep-alive is followed by a last
  // call (the client may already be sending its next request); any other ends the connection.
  if (!keep_alive_ || peer_eof_ || (hl_.draining() && !hl_.last_call())) {
    close_after_flush();
    return;
  }
  set_deadline(idle_deadline_, hl_.options().idle_timeout);
  if (hl_.draining()) last_call();
  arm_timer();
  if (!in_parse_) parse_pending();
}

}  // namespace pogo::server
