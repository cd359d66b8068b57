#include "server/http2_codec.h"

#include "server/connection.h"
#include "server/http_loop.h"
#include "server/log.h"
#include "server/server.h"

namespace pogo::server {

namespace {
constexpr uint32_t kInternalError = 0x2;  // RFC 9113 error codes

H2Session::Limits limits_for(const ServerOptions& o) {
  H2Session::Limits l;
  l.max_header_list_size = uint32_t(std::min<size_t>(o.max_header_size, 1u << 30));
  return l;
}
}  // namespace

Http2Codec::Http2Codec(Connection& connection, bool tls)
    : c_(connection), limits_(limits_for(connection.hl_.options())), session_(*this, limits_, tls) {}

Http2Codec::~Http2Codec() = default;

Stream* Http2Codec::find(int32_t id) const {
  auto it = streams_.find(id);
  return it == streams_.end() ? nullptr : it->second.get();
}

void Http2Codec::receive(const char* data, size_t n) {
  reap();
  // Streams answered while these bytes are read (static files, redirects, errors) only queue
  // their frames: one write at the end carries every answer, where a write per stream cost a
  // system call each (h2load -m10: 1.4 writes per request before).
  receiving_ = true;
  bool ok = session_.receive(data, n);
  receiving_ = false;
  if (!ok) log::debug("http", "HTTP/2 connection error", {{"error", session_.error()}, {"remote_ip", c_.remote_ip_}});
  send();
}

void Http2Codec::on_written() {
  reap();
  send();
}

void Http2Codec::send() {
  if (sending_ || receiving_ || c_.closed_) return;
  sending_ = true;
  while (!c_.closed_ && c_.transport_.writes_in_flight() == 0) {
    session_.take_output(c_.out_);
    if (c_.out_.empty()) break;
    c_.flush();
  }
  sending_ = false;
  if (c_.closed_) return;
  settle_credits();
  if (session_.wants_close()) {
    if (!session_.error().empty())
      log::debug("http", "HTTP/2 connection closed", {{"error", session_.error()}, {"remote_ip", c_.remote_ip_}});
    c_.close_after_flush();
  }
}

void Http2Codec::settle_credits() {
  for (auto it = credit_.begin(); it != credit_.end();) {
    Stream* s = find(it->first);
    if (!s || !s->exchange()) {
      it = credit_.erase(it);
      continue;
    }
    if (session_.buffered(it->first) < limits_.low_water) {
      s->exchange()->bytes_written(it->second);
      it = credit_.erase(it);
    } else {
      ++it;
    }
  }
}

void Http2Codec::reap() {
  // Entry points from the transport: no stream method is running.
  retired_.clear();
}

void Http2Codec::drain() {
  if (draining_) return;
  draining_ = true;
  session_.shutdown_graceful();
  send();
  if (!c_.closed_ && streams_.empty()) c_.close_after_flush();
}

void Http2Codec::abort_all() {
  for (auto& [id, s] : streams_) s->abort();
}

bool Http2Codec::has_exchanges() const {
  for (const auto& [id, s] : streams_)
    if (s->has_exchange()) return true;
  return false;
}

// ---------------------------------------------------------------- the session's events

void Http2Codec::on_request(int32_t id, RequestHead head) {
  c_.fill_connection_facts(head);
  const std::string* expect = head.header("Expect");
  bool continue_wanted = expect && header_name_equals(*expect, "100-continue");
  auto owned = std::make_unique<Stream>(c_.hl_, static_cast<StreamHost&>(*this));
  Stream* s = owned.get();
  s->id = id;
  streams_[id] = std::move(owned);
  c_.idle_deadline_ = 0;
  c_.arm_timer();
  s->begin(std::move(head), continue_wanted);
  s->route(c_.router_, c_.listener_.acme_challenges.get(), c_.listener_.metrics);
}

void Http2Codec::on_body(int32_t id, const char* data, size_t n) {
  Stream* s = find(id);
  if (!s || !s->active() || !s->wants_body()) {  // answered without it: discarded
    session_.consume(id, n);
    return;
  }
  bool paused = false;
  if (int status = s->push_body(data, n, &paused)) {
    session_.consume(id, n);
    s->respond_error(status, s->body_error_reason(), true);
    return;
  }
  if (paused)
    held_[id] += n;  // the window stays closed until the exchange drained
  else
    session_.consume(id, n);
}

void Http2Codec::on_body_end(int32_t id) {
  if (Stream* s = find(id); s && s->active()) s->end_body(true);
}

void Http2Codec::on_stream_closed(int32_t id, uint32_t error_code) {
  auto it = streams_.find(id);
  if (it == streams_.end()) return;
  std::unique_ptr<Stream> s = std::move(it->second);
  streams_.erase(it);
  credit_.erase(id);
  held_.erase(id);
  if (s->response_done()) {
    s->reset();  // the access-log line
  } else {
    if (s->active())
      log::debug("http", "HTTP/2 stream closed before its response was complete",
                 {{"stream", id}, {"error_code", error_code}, {"remote_ip", c_.remote_ip_}});
    s->abort();
  }
  retired_.push_back(std::move(s));
  if (streams_.empty()) {
    if (draining_) {
      c_.close_after_flush();
    } else {
      c_.set_deadline(c_.idle_deadline_, c_.hl_.options().idle_timeout);
      c_.arm_timer();
    }
  }
}

void Http2Codec::on_writable(int32_t id) {
  if (Stream* s = find(id)) s->on_output_ready();
}

// ---------------------------------------------------------------- the streams' output

Framing Http2Codec::stream_head(Stream& s, const ResponseHead& head, std::optional<uint64_t> length) {
  ResponseHead fields;
  Framing f = response_fields(head, s.head_request(), length, fields);
  session_.submit_response(s.id, fields, f.mode == Framing::None);
  return f;
}

void Http2Codec::stream_interim(Stream& s, const ResponseHead& head) { session_.submit_interim(s.id, head); }

void Http2Codec::stream_continue(Stream& s) {
  ResponseHead h;
  h.status = 100;
  session_.submit_interim(s.id, h);
  send();
}

void Http2Codec::stream_body(Stream& s, std::string_view data) { session_.submit_data(s.id, data); }

void Http2Codec::stream_file_data(Stream& s, std::string_view data) {
  session_.submit_data(s.id, data);
  send();
}

void Http2Codec::stream_end(Stream& s) {
  if (s.short_body())
    session_.reset(s.id, kInternalError);  // the client must not take it for the whole body
  else if (s.framing().mode != Framing::None)
    session_.submit_end(s.id);
}

void Http2Codec::stream_flush(Stream& s, size_t credit) {
  if (credit) credit_[s.id] += credit;
  send();
}

bool Http2Codec::stream_blocked(const Stream& s) const { return session_.buffered(s.id) >= limits_.low_water; }

bool Http2Codec::stream_should_flush(const Stream& s) const { return session_.buffered(s.id) >= limits_.low_water; }

void Http2Codec::stream_done(Stream&) {}  // the stream closes when its last frame is sent

void Http2Codec::stream_failed(Stream& s) {
  session_.reset(s.id, kInternalError);
  s.abort();
  send();
}

void Http2Codec::stream_rejecting(Stream&) {}

void Http2Codec::stream_body_unused(Stream&) {}

void Http2Codec::stream_body_wanted(Stream& s) {
  auto it = held_.find(s.id);
  if (it == held_.end() || !s.body_wanted()) return;
  session_.consume(s.id, it->second);
  held_.erase(it);
  send();
}

void Http2Codec::stream_io_begin() { c_.stream_io_begin(); }

void Http2Codec::stream_io_end() { c_.stream_io_end(); }

}  // namespace pogo::server
