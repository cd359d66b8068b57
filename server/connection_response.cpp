// The response half of Connection: direct responses, static files streamed from a FileReader,
// and backend exchanges drained event by event; then the end of each request (keep-alive or
// close) and its access-log line.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "server/connection.h"
#include "server/http_loop.h"
#include "server/log.h"
#include "server/mime.h"
#include "server/routes/access_log.h"
#include "server/routes/header_ops.h"
#include "server/static_files.h"

namespace pogo::server {

namespace {
constexpr size_t kFlushThreshold = 256 << 10;  // exchange bytes gathered before writing
constexpr int kFileChunksPerTurn = 16;          // then yield to the other connections
}  // namespace

RequestFacts Connection::facts() const {
  const RequestHead& h = current_head();
  RequestFacts f;
  f.head_method = h.method == "HEAD";
  f.http_major = h.http_major;
  f.http_minor = h.http_minor;
  f.keep_alive = keep_alive_ && !hl_.draining();
  return f;
}

const RequestHead& Connection::current_head() const {
  return ex_ ? ex_->head() : const_cast<RequestParser&>(parser_).head();
}

void Connection::respond(Respond r) {
  ResponseHead head{r.status, std::move(r.headers)};
  status_ = r.status;
  if (filter_head(head, r.body.size()) && enc_) {
    std::string z = enc_->update(r.body);
    z += enc_->finish();
    r.body = std::move(z);
    enc_.reset();
  }
  framing_ = serialize_response_head(out_, head, facts(), r.body.size());
  response_started_ = true;
  if (!framing_.keep_alive) keep_alive_ = false;
  if (framing_.mode == Framing::Length) {
    out_ += r.body;
    body_sent_ = r.body.size();
  }
  flush();
  if (!closed_) response_complete();
}

void Connection::respond_error(int status, const char* reason, bool log_it) {
  if (log_it)
    log::warn("http", "request rejected",
              {{"status", status}, {"reason", reason}, {"remote_ip", remote_ip_},
               {"remote_port", std::to_string(remote_port_)}});
  keep_alive_ = false;
  if (response_started_ || closed_) {  // too late for a status: just drop the connection
    close_now();
    return;
  }
  if (ex_) {
    ex_->abort();
    ex_->end_body(false);
    ex_.reset();
  }
  pending_backend_ = nullptr;
  events_.clear();
  if (file_ && !file_->busy()) file_.reset();
  phase_ = Phase::Active;
  request_complete_ = true;  // nothing more is parsed on this connection
  filters_.header_ops.clear();  // the server's own errors are bare
  filters_.encodings.clear();
  respond(make_error_response(status));
}

void Connection::serve_file(ServeFile f) {
  StaticResponse sr = plan_static_response(current_head(), f.file);
  if (!f.type_of.empty())
    for (auto& h : sr.head.headers)
      if (header_name_equals(h.name, "Content-Type")) h.value = std::string(mime_type_for(f.type_of));
  for (auto& h : f.headers) sr.head.headers.push_back(std::move(h));
  if (f.status && sr.head.status == 200) sr.head.status = f.status;
  if (sr.fd < 0 && !sr.content_length && status_allows_body(sr.head.status)) {
    Respond r = make_error_response(sr.head.status);
    for (auto& h : sr.head.headers) r.headers.push_back(std::move(h));
    respond(std::move(r));
    return;
  }
  status_ = sr.head.status;
  bool encoded = filter_head(sr.head, sr.content_length);
  framing_ = serialize_response_head(out_, sr.head, facts(), encoded ? std::nullopt : sr.content_length);
  response_started_ = true;
  if (!framing_.keep_alive) keep_alive_ = false;
  bool streams = framing_.mode == Framing::Length || (encoded && framing_.mode != Framing::None);
  if (sr.fd >= 0 && streams && sr.length > 0) {
    file_ = std::make_unique<FileReader>(hl_.loop().uv(), sr.fd, sr.offset, sr.length);
    pump_file();
    return;
  }
  if (sr.fd >= 0) ::close(sr.fd);
  if (encoded) finish_body();
  flush();
  if (!closed_) response_complete();
}

void Connection::pump_file() {
  for (int turn = 0; turn < kFileChunksPerTurn; ++turn) {
    if (!file_ || closed_ || transport_.writes_in_flight() > 0) return;
    std::string_view chunk;
    auto st = file_->next(chunk, [this](bool ok) {
      if (closed_) {
        file_.reset();
        release_op();  // may delete this
        return;
      }
      --pending_ops_;
      if (!ok) {
        log::error("http", "reading file failed", {{"remote_ip", remote_ip_}});
        file_.reset();
        close_now();
        return;
      }
      pump_file();
    });
    switch (st) {
      case FileReader::Status::Data: {
        bool last = file_->remaining() == 0;
        if (enc_) {
          append_body(enc_->update(chunk));
          if (last) finish_body();
          flush();
        } else {
          body_sent_ += chunk.size();
          flush(chunk.data(), chunk.size());
        }
        if (closed_) return;
        if (last) {
          file_.reset();
          response_complete();
          return;
        }
        break;
      }
      case FileReader::Status::Pending:
        ++pending_ops_;
        return;
      case FileReader::Status::Done:
        file_.reset();
        if (enc_) {
          finish_body();
          flush();
          if (closed_) return;
        }
        response_complete();
        return;
      case FileReader::Status::Failed:
        log::error("http", "reading file failed", {{"remote_ip", remote_ip_}});
        file_.reset();
        close_now();
        return;
    }
  }
  // A fast reader of a big file: yield to the other connections, continue next turn.
  if (file_ && transport_.writes_in_flight() == 0)
    hl_.loop().post([hl = &hl_, id = id_] {
      if (auto* c = hl->find(id)) c->pump_file();
    });
}

void Connection::start_exchange(Backend* backend, bool stream_body) {
  auto wake = [mb = hl_.loop().mailbox(), hl = &hl_, id = id_] {
    mb->post([hl, id] {
      if (auto* c = hl->find(id)) c->on_exchange_wake();
    });
  };
  bool has_body = parser_.head().has_body;
  bool expect = parser_.expects_continue();
  ex_ = std::make_shared<Exchange>(std::move(parser_.head()), std::move(wake));
  if (!has_body) ex_->end_body(true);
  else if (!stream_body) ex_->buffer_body();
  if (expect) {
    out_ += "HTTP/1.1 100 Continue\r\n\r\n";
    flush();
    if (closed_) return;
  }
  if (ex_->body_buffered()) {
    pending_backend_ = backend;  // on_request_complete() hands it over
    return;
  }
  hand_over(backend);
}

void Connection::hand_over(Backend* backend) {
  auto ex = ex_;
  try {
    hl_.hand_to(backend, std::move(ex));
  } catch (const std::exception& e) {
    log::error("http", "backend failed to take the request", {{"error", e.what()}});
    respond_error(500, "backend error", false);
  }
}

void Connection::on_exchange_wake() {
  if (!ex_ || closed_) return;
  std::shared_ptr<Exchange> ex = ex_;
  ex->begin_loop_turn();
  ex->take_events(events_);
  drain_events();
  if (closed_ || ex_ != ex) return;
  if (body_paused_ && ex->body_wants_more()) {
    body_paused_ = false;
    start_reading();
    parse_pending();
  }
}

void Connection::drain_events() {
  std::shared_ptr<Exchange> ex = ex_;
  int reads = 0;
  while (!events_.empty() && !closed_) {
    Exchange::Event& front = events_.front();
    if (front.kind == Exchange::Event::Spooled) {
      // Read back only what the socket can take now; the rest when the writes complete.
      if (transport_.writes_in_flight() > 0 || out_.size() >= kFlushThreshold) {
        flush();
        return;
      }
      if (++reads > kFileChunksPerTurn) {  // a fast client: yield to the other connections
        hl_.loop().post([hl = &hl_, id = id_] {
          if (auto* c = hl->find(id); c && c->ex_) c->drain_events();
        });
        flush();
        return;
      }
      size_t want = size_t(std::min<uint64_t>(front.spooled, HttpLoop::kReadBufferSize));
      char* buf = hl_.read_buffer();  // free: read callbacks use it only while they run
      size_t got = ex->read_spooled(buf, want);
      if (got == 0) {
        log::error("http", "reading the response spool failed; closing the connection", {{"remote_ip", remote_ip_}});
        close_now();
        return;
      }
      front.spooled -= got;
      if (front.spooled == 0) events_.pop_front();
      on_response_data(std::string_view(buf, got));
      flush();
      continue;
    }
    Exchange::Event ev = std::move(front);
    events_.pop_front();
    bool ended = ev.kind == Exchange::Event::End;
    handle_event(ev);
    if (ended) {
      events_.clear();
      flush();
      if (!closed_) response_complete();
      return;
    }
  }
  flush();
}

void Connection::handle_event(Exchange::Event& ev) {
  switch (ev.kind) {
    case Exchange::Event::Interim:
      if (!response_started_ && current_head().http_minor >= 1 && ev.head.status > 101 && ev.head.status < 200)
        serialize_interim(out_, ev.head);
      break;
    case Exchange::Event::Head: {
      if (response_started_ || deferring_) break;
      std::optional<uint64_t> length;
      for (const auto& h : ev.head.headers)
        if (header_name_equals(h.name, "Content-Length")) {
          char* end = nullptr;
          unsigned long long v = std::strtoull(h.value.c_str(), &end, 10);
          if (end && *end == 0 && !h.value.empty()) length = v;
          break;
        }
      if (should_defer_head(ev.head, length)) {
        deferring_ = true;
        deferred_head_ = std::move(ev.head);
        deferred_body_.clear();
        break;
      }
      start_backend_response(ev.head, length);
      break;
    }
    case Exchange::Event::Data:
      ex_credit_ += ev.data.size();
      on_response_data(ev.data);
      break;
    case Exchange::Event::Spooled:  // drain_events() reads these back itself
      break;
    case Exchange::Event::End:
      if (deferring_) commit_deferred_head(true);
      if (!response_started_) {  // finish() without a head cannot happen, but stay well-formed
        ResponseHead h;
        Exchange::Event head_ev{Exchange::Event::Head, h, {}};
        handle_event(head_ev);
      }
      if (framing_.mode == Framing::Chunked || enc_) {
        finish_body();
      } else if (framing_.mode == Framing::Length && length_left_ > 0) {
        log::warn("http", "response shorter than its Content-Length; closing the connection",
                  {{"missing", length_left_}});
        keep_alive_ = false;
      }
      break;
  }
}

void Connection::on_response_data(std::string_view data) {
  if (deferring_) {
    deferred_body_ += data;
    if (deferred_body_.size() >= filters_.encode_minimum_length) commit_deferred_head(false);
    return;
  }
  if (enc_)
    append_body(enc_->update(data));
  else
    append_body(data);
  if (out_.size() >= kFlushThreshold) flush();
}

void Connection::response_complete() {
  response_done_ = true;
  if (request_complete_) {
    finish_request();
  } else if (request_has_body_) {
    keep_alive_ = false;  // the rest of the body is not ours to wait for
    finish_request();
  }
  // else: a request without body completes in the parse loop that is running right now
}

void Connection::finish_request() {
  if (hl_.options().access_log || filters_.access_log) log_access();
  filters_ = ResponseFilters{};
  request_max_body_.reset();
  request_stream_body_ = false;
  pending_backend_ = nullptr;
  enc_.reset();
  resp_headers_.clear();
  deferring_ = false;
  deferred_body_.clear();
  if (ex_) {
    if (!request_complete_) ex_->end_body(false);
    ex_.reset();
  }
  events_.clear();
  if (file_ && !file_->busy()) file_.reset();
  phase_ = Phase::Idle;
  response_started_ = response_done_ = request_complete_ = request_has_body_ = false;
  body_paused_ = false;
  body_error_ = 0;
  status_ = 0;
  body_sent_ = 0;
  framing_ = Framing{};
  length_left_ = 0;
  body_deadline_ = write_deadline_ = header_deadline_ = body_idle_deadline_ = 0;
  if (!keep_alive_ || hl_.draining() || peer_eof_) {
    close_after_flush();
    return;
  }
  set_deadline(idle_deadline_, hl_.options().idle_timeout);
  arm_timer();
  if (!in_parse_) parse_pending();
}

void Connection::log_access() {
  const RequestHead& h = current_head();
  nlohmann::json headers = nlohmann::json::object();
  for (const auto& hd : h.headers) headers[hd.name].push_back(hd.value);
  const std::string* host = h.header("Host");
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_at_).count();
  nlohmann::json f = {
      {"request",
       {{"remote_ip", remote_ip_},
        {"remote_port", std::to_string(remote_port_)},
        {"client_ip", remote_ip_},
        {"proto", "HTTP/" + std::to_string(h.http_major) + "." + std::to_string(h.http_minor)},
        {"method", h.method},
        {"host", host ? *host : std::string()},
        {"uri", h.uri},
        {"headers", headers}}},
      {"bytes_read", parser_.body_bytes()},
      {"user_id", filters_.user_id},
      {"duration", secs},
      {"size", body_sent_},
      {"status", status_},
  };
  if (filters_.access_log) {
    nlohmann::json rh = nlohmann::json::object();
    for (const auto& hd : resp_headers_) rh[hd.name].push_back(hd.value);
    f["resp_headers"] = rh;
    filters_.access_log->write(f, status_);
    return;
  }
  log::info("http.log.access", "handled request", f);
}

}  // namespace pogo::server
