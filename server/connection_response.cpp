// The response half of Connection: direct responses, static files, backend exchanges, the
// write path (uv_try_write first, uv_write for the rest), timeouts and the closing sequence.
#include <unistd.h>

#include <algorithm>

#include "server/connection.h"
#include "server/http_loop.h"
#include "server/log.h"
#include "server/static_files.h"

namespace pogo::server {

namespace {
constexpr size_t kFlushThreshold = 256 << 10;
constexpr uint64_t kLingerMs = 2000;
constexpr int kFileChunksPerTurn = 16;
}  // namespace

struct Connection::WriteReq {
  uv_write_t req;  // first member: the callback casts back
  Connection* conn = nullptr;
  std::string data;
  std::shared_ptr<Exchange> ex;
  size_t credit = 0;
};

Connection::Connection(HttpLoop& loop, uint64_t id)
    : hl_(loop), id_(id), parser_(loop.options().max_header_size) {
  parser_.set_body_sink(this);
}

Connection::~Connection() = default;

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
    log::warn("http", reason,
              {{"status", status}, {"remote_ip", remote_ip_}, {"remote_port", std::to_string(remote_port_)}});
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
  if (file_ && !file_->busy()) file_.reset();
  phase_ = Phase::Active;
  request_complete_ = true;  // nothing more is parsed on this connection
  respond(make_error_response(status));
}

void Connection::serve_file(const std::string& file) {
  StaticResponse sr = plan_static_response(current_head(), file);
  if (sr.fd < 0 && !sr.content_length && status_allows_body(sr.head.status)) {
    Respond r = make_error_response(sr.head.status);
    for (auto& h : sr.head.headers) r.headers.push_back(std::move(h));
    respond(std::move(r));
    return;
  }
  status_ = sr.head.status;
  framing_ = serialize_response_head(out_, sr.head, facts(), sr.content_length);
  response_started_ = true;
  if (!framing_.keep_alive) keep_alive_ = false;
  if (sr.fd >= 0 && framing_.mode == Framing::Length && sr.length > 0) {
    file_ = std::make_unique<FileReader>(hl_.loop().uv(), sr.fd, sr.offset, sr.length);
    pump_file();
    return;
  }
  if (sr.fd >= 0) ::close(sr.fd);
  flush();
  if (!closed_) response_complete();
}

void Connection::pump_file() {
  for (int turn = 0; turn < kFileChunksPerTurn; ++turn) {
    if (!file_ || closed_ || writes_in_flight_ > 0) return;
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
        body_sent_ += chunk.size();
        bool last = file_->remaining() == 0;
        flush(chunk.data(), chunk.size());
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
  if (file_ && writes_in_flight_ == 0)
    hl_.loop().post([hl = &hl_, id = id_] {
      if (auto* c = hl->find(id)) c->pump_file();
    });
}

void Connection::start_exchange(Backend* backend) {
  auto wake = [mb = hl_.loop().mailbox(), hl = &hl_, id = id_] {
    mb->post([hl, id] {
      if (auto* c = hl->find(id)) c->on_exchange_wake();
    });
  };
  bool has_body = parser_.head().has_body;
  bool expect = parser_.expects_continue();
  ex_ = std::make_shared<Exchange>(std::move(parser_.head()), std::move(wake));
  if (!has_body) ex_->end_body(true);
  if (expect) {
    out_ += "HTTP/1.1 100 Continue\r\n\r\n";
    flush();
    if (closed_) return;
  }
  auto ex = ex_;
  try {
    backend->handle(std::move(ex));
  } catch (const std::exception& e) {
    log::error("http", "backend failed to take the request", {{"error", e.what()}});
    respond_error(500, "backend error", false);
  }
}

void Connection::on_exchange_wake() {
  if (!ex_ || closed_) return;
  std::shared_ptr<Exchange> ex = ex_;
  ex->begin_loop_turn();
  // A local batch: handling an event may close the connection, which clears events_.
  std::deque<Exchange::Event> batch;
  batch.swap(events_);
  ex->take_events(batch);
  bool ended = false;
  for (auto& ev : batch) {
    if (ended || closed_) break;
    if (ev.kind == Exchange::Event::End) ended = true;
    handle_event(ev);
  }
  batch.clear();
  if (events_.empty()) batch.swap(events_);  // keep the deque's blocks for the next turn
  flush();
  if (closed_) return;
  if (ended) {
    response_complete();
    return;
  }
  if (body_paused_ && ex->body_wants_more()) {
    body_paused_ = false;
    start_reading();
    parse_pending();
  }
}

void Connection::handle_event(Exchange::Event& ev) {
  switch (ev.kind) {
    case Exchange::Event::Interim:
      if (!response_started_ && current_head().http_minor >= 1 && ev.head.status > 101 && ev.head.status < 200)
        serialize_interim(out_, ev.head);
      break;
    case Exchange::Event::Head:
      if (response_started_) break;
      status_ = ev.head.status;
      framing_ = serialize_response_head(out_, ev.head, facts());
      response_started_ = true;
      length_left_ = framing_.length;
      if (!framing_.keep_alive) keep_alive_ = false;
      break;
    case Exchange::Event::Data: {
      size_t n = ev.data.size();
      ex_credit_ += n;
      switch (framing_.mode) {
        case Framing::None:
          break;
        case Framing::Length: {
          size_t k = size_t(std::min<uint64_t>(n, length_left_));
          out_.append(ev.data.data(), k);
          length_left_ -= k;
          body_sent_ += k;
          break;
        }
        case Framing::Chunked:
          if (n == 0) break;
          append_chunk_header(out_, n);
          out_ += ev.data;
          out_ += "\r\n";
          body_sent_ += n;
          break;
        case Framing::UntilClose:
          out_ += ev.data;
          body_sent_ += n;
          break;
      }
      if (out_.size() >= kFlushThreshold) flush();
      break;
    }
    case Exchange::Event::End:
      if (!response_started_) {  // finish() without a head cannot happen, but stay well-formed
        ResponseHead h;
        Exchange::Event head_ev{Exchange::Event::Head, h, {}};
        handle_event(head_ev);
      }
      if (framing_.mode == Framing::Chunked) {
        out_ += "0\r\n\r\n";
      } else if (framing_.mode == Framing::Length && length_left_ > 0) {
        log::warn("http", "response shorter than its Content-Length; closing the connection",
                  {{"missing", length_left_}});
        keep_alive_ = false;
      }
      break;
  }
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
  if (hl_.options().access_log) log_access();
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
  body_deadline_ = write_deadline_ = header_deadline_ = 0;
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
      {"user_id", ""},
      {"duration", secs},
      {"size", body_sent_},
      {"status", status_},
  };
  log::info("http.log.access", "handled request", f);
}

// ---------------------------------------------------------------- writing

void Connection::flush(const char* ext, size_t ext_len) {
  if (closed_) {
    out_.clear();
    ex_credit_ = 0;
    return;
  }
  if (out_.empty() && ext_len == 0) {
    if (ex_credit_ && ex_) ex_->bytes_written(ex_credit_);
    ex_credit_ = 0;
    return;
  }
  auto* stream = reinterpret_cast<uv_stream_t*>(tcp_.get());
  size_t written = 0;
  if (writes_in_flight_ == 0) {
    uv_buf_t bufs[2];
    unsigned nb = 0;
    if (!out_.empty()) bufs[nb++] = uv_buf_init(out_.data(), unsigned(out_.size()));
    if (ext_len) bufs[nb++] = uv_buf_init(const_cast<char*>(ext), unsigned(ext_len));
    int n = uv_try_write(stream, bufs, nb);
    if (n >= 0) {
      written = size_t(n);
    } else if (n != UV_EAGAIN && n != UV_ENOSYS) {
      log::debug("http", "write failed", {{"error", uv_strerror(n)}});
      out_.clear();
      ex_credit_ = 0;
      close_now();
      return;
    }
  }
  if (written == out_.size() + ext_len) {
    out_.clear();
    if (ex_credit_ && ex_) ex_->bytes_written(ex_credit_);
    ex_credit_ = 0;
    return;
  }
  // Queue the rest. `ext` belongs to the caller, so whatever of it is left is copied.
  std::unique_ptr<WriteReq> w;
  if (!free_writes_.empty()) {
    w = std::move(free_writes_.back());
    free_writes_.pop_back();
  } else {
    w = std::make_unique<WriteReq>();
  }
  w->conn = this;
  if (written >= out_.size()) {
    size_t skip = written - out_.size();
    w->data.assign(ext + skip, ext_len - skip);
  } else {
    w->data.swap(out_);
    if (written) w->data.erase(0, written);
    if (ext_len) w->data.append(ext, ext_len);
  }
  out_.clear();
  w->credit = ex_credit_;
  if (ex_credit_) w->ex = ex_;
  ex_credit_ = 0;
  uv_buf_t b = uv_buf_init(w->data.data(), unsigned(w->data.size()));
  WriteReq* raw = w.release();
  if (int rc = uv_write(&raw->req, stream, &b, 1, &Connection::on_write); rc != 0) {
    if (raw->ex) raw->ex->bytes_written(raw->credit);
    delete raw;
    close_now();
    return;
  }
  ++writes_in_flight_;
}

void Connection::on_write(uv_write_t* req, int status) {
  auto* w = reinterpret_cast<WriteReq*>(req);
  Connection* c = w->conn;
  --c->writes_in_flight_;
  if (w->ex) {
    w->ex->bytes_written(w->credit);
    w->ex.reset();
  }
  w->credit = 0;
  w->data.clear();
  if (c->free_writes_.size() < 4 && w->data.capacity() <= (1u << 20))
    c->free_writes_.emplace_back(w);
  else
    delete w;
  if (c->closed_) return;
  if (status < 0) {
    log::debug("http", "write failed", {{"error", uv_strerror(status)}});
    c->close_now();
    return;
  }
  c->after_write();
}

void Connection::after_write() {
  if (writes_in_flight_ > 0) return;
  if (file_ && !file_->busy()) pump_file();
  if (closed_) return;
  if (closing_ && writes_in_flight_ == 0 && out_.empty()) start_shutdown();
}

// ---------------------------------------------------------------- timeouts and closing

void Connection::set_deadline(uint64_t& slot, std::chrono::milliseconds d) {
  slot = d.count() > 0 ? uv_now(hl_.loop().uv()) + uint64_t(d.count()) : 0;
}

void Connection::arm_timer() {
  if (closed_) return;
  uint64_t due = 0;
  for (uint64_t d : {idle_deadline_, header_deadline_, body_deadline_, write_deadline_, linger_deadline_})
    if (d && (!due || d < due)) due = d;
  if (!due) {
    uv_timer_stop(timer_.get());
    return;
  }
  uint64_t now = uv_now(hl_.loop().uv());
  uv_timer_start(timer_.get(), &Connection::on_timer, due > now ? due - now : 0, 0);
}

void Connection::on_timer(uv_timer_t* t) {
  auto* c = static_cast<Connection*>(t->data);
  if (c->closed_) return;
  uint64_t now = uv_now(c->hl_.loop().uv());
  auto expired = [now](uint64_t d) { return d && now >= d; };
  const char* what = nullptr;
  if (expired(c->linger_deadline_)) {
    c->close_now();
    return;
  }
  if (expired(c->idle_deadline_)) {
    log::debug("http", "idle timeout", {{"remote_ip", c->remote_ip_}});
    c->close_now();
    return;
  }
  if (expired(c->header_deadline_)) what = "read header timeout";
  else if (expired(c->body_deadline_)) what = "read body timeout";
  else if (expired(c->write_deadline_)) what = "write timeout";
  if (what) {
    log::warn("http", what, {{"remote_ip", c->remote_ip_}, {"remote_port", std::to_string(c->remote_port_)}});
    c->close_now();
    return;
  }
  c->arm_timer();
}

void Connection::drain() {
  if (closed_) return;
  if (phase_ == Phase::Idle && writes_in_flight_ == 0 && out_.empty()) {
    close_now();
    return;
  }
  keep_alive_ = false;  // the current response says "Connection: close" if not yet started
}

void Connection::kill() {
  if (ex_) log::warn("http", "aborting request at the end of the grace period", {{"remote_ip", remote_ip_}});
  close_now();
}

void Connection::close_after_flush() {
  if (closing_ || closed_) return;
  closing_ = true;
  idle_deadline_ = header_deadline_ = body_deadline_ = 0;
  pending_.clear();
  arm_timer();
  if (writes_in_flight_ == 0 && out_.empty()) start_shutdown();
}

void Connection::start_shutdown() {
  if (shutdown_started_ || closed_) return;
  shutdown_started_ = true;
  shutdown_req_.data = this;
  int rc = uv_shutdown(&shutdown_req_, reinterpret_cast<uv_stream_t*>(tcp_.get()), [](uv_shutdown_t* r, int status) {
    auto* c = static_cast<Connection*>(r->data);
    if (c->closed_) return;
    if (status < 0 || c->peer_eof_) {
      c->close_now();
      return;
    }
    // Keep reading (and discarding) briefly: closing with unread input would send a reset
    // that can destroy the response before the client reads it.
    c->linger_deadline_ = uv_now(c->hl_.loop().uv()) + kLingerMs;
    c->arm_timer();
    c->start_reading();
  });
  if (rc != 0) close_now();
}

void Connection::close_now() {
  if (closed_) return;
  closed_ = closing_ = true;
  if (ex_) {
    ex_->abort();
    ex_->end_body(false);
    ex_.reset();
  }
  events_.clear();
  pending_.clear();
  if (file_ && !file_->busy()) file_.reset();
  pending_ops_ += 2;
  tcp_.close([this] { release_op(); });
  timer_.close([this] { release_op(); });
}

void Connection::release_op() {
  if (--pending_ops_ == 0 && closed_) hl_.remove(id_);  // deletes this
}

}  // namespace pogo::server
