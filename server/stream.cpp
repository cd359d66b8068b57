#include "server/stream.h"

#include <atomic>

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <random>

#include "server/access_log.h"
#include "server/header_edit.h"
#include "server/http_loop.h"
#include "server/http_text.h"
#include "server/log.h"
#include "server/mime.h"
#include "server/path_safety.h"
#include "server/static_files.h"
#include "server/vulcain_filter.h"
#include "tls/challenges.h"

namespace pogo::server {

namespace {
constexpr int kFileChunksPerTurn = 16;  // then yield to the other connections

// {err.id}: nine random letters and digits, as Caddy's error ids.
std::string random_error_id() {
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string id(9, '0');
  for (char& c : id) c = kChars[rng() % (sizeof kChars - 1)];
  return id;
}

// A backend head's Content-Length, when it has a valid one.
std::optional<uint64_t> content_length_of(const ResponseHead& head) {
  for (const auto& h : head.headers)
    if (header_name_equals(h.name, "Content-Length")) {
      // Plain digits (every upstream's, nearly every script's) without strtoull; anything else as
      // strtoull reads it.
      if (auto n = parse_decimal(h.value)) return n;
      char* end = nullptr;
      unsigned long long v = std::strtoull(h.value.c_str(), &end, 10);
      if (end && *end == 0 && !h.value.empty()) return v;
      return std::nullopt;
    }
  return std::nullopt;
}
}  // namespace

// Posted tasks and file reads outlive the stream they were for: they hold this link, which the
// stream clears when it goes. A file read still in flight when the stream drops its reader
// keeps the reader here until the read completes.
struct Stream::Link {
  Stream* stream = nullptr;
  StreamHost* host = nullptr;
  std::weak_ptr<Mailbox> mailbox;    // the loop's; set once, read by producers' wake-ups (weak: a
                                     // task in the mailbox holds the link)
  std::vector<std::unique_ptr<FileReader>> orphans;
};

Stream::Stream(HttpLoop& loop, StreamHost& host) : hl_(loop), host_(host), link_(std::make_shared<Link>()) {
  link_->stream = this;
  link_->host = &host;
  link_->mailbox = loop.loop().mailbox();
}

Stream::~Stream() {
  if (mx_begun_) count_end();
  if (ex_) {
    ex_->abort();
    ex_->end_body(false);
  }
  drop_file();
  link_->stream = nullptr;
}

const RequestHead& Stream::head() const { return ex_ ? ex_->head() : head_; }

void Stream::begin(RequestHead&& head, bool expects_continue, std::chrono::steady_clock::time_point started) {
  head_ = std::move(head);
  begin_in_place(expects_continue, started);
}

void Stream::begin_in_place(bool expects_continue, std::chrono::steady_clock::time_point started) {
  expects_continue_ = expects_continue;
  head_request_ = head_.method == "HEAD";
  active_ = true;
  started_at_ = started;
}

void Stream::route(const Router& router, const tls::Challenges* acme, metrics::HttpServerMetrics* metrics) {
  mx_ = metrics;
  RequestHead& h = head_;
  const auto& o = hl_.options();
  std::string_view path, query;
  split_target(h.uri, path, query);
  if (path.empty()) return respond_error(400, "invalid request target", true);
  thread_local std::string decoded;  // scratch, capacity kept
  if (!sanitize_path(path, h.path, decoded)) return respond_error(400, "invalid characters or escapes in path", true);
  h.query.assign(query);
  if (o.max_body_size && h.content_length && *h.content_length > *o.max_body_size)
    return respond_error(413, "request body too large", true);

  if (acme && h.path.starts_with(tls::kHttp01PathPrefix)) {
    // An ACME CA checking that we control this name: answered for any host, before the sites.
    if (auto answer = acme->http01_for_path(h.path)) {
      log::info("tls", "served an ACME HTTP-01 challenge", {{"path", h.path}, {"remote_ip", h.remote_addr}});
      Respond r;
      r.status = 200;
      r.headers.push_back({"Content-Type", "text/plain"});
      r.body = std::move(*answer);
      return respond(std::move(r));
    }
  }
  const std::string* host = h.header("Host");
  std::string_view host_view = host ? std::string_view(*host) : std::string_view();
  Request rq(h, original_path_, file_match_);
  Action action = router.route(host_view, rq, error_routes_);
  filters_ = std::move(rq.filters);
  request_max_body_ = rq.max_body_size;
  request_stream_body_ = rq.stream_body;
  const auto* proxy = std::get_if<ToProxy>(&action);
  if (error_routes_ || !filters_.intercepts.empty() || (proxy && proxy->responses)) {
    error_root_.assign(rq.root);
    error_vars_ = std::move(rq.vars);
    error_file_match_ = std::move(rq.file_match);
  }
  if (request_max_body_ && h.content_length && *h.content_length > *request_max_body_)
    return respond_error(413, "request body too large", true);
  if (h.has_body && !std::holds_alternative<ToBackend>(action) && !std::holds_alternative<ToProxy>(action))
    host_.stream_body_unused(*this);
  start(std::move(action));
}

void Stream::start(Action action) {
  if (auto* r = std::get_if<Respond>(&action)) {
    if (r->error && answer_error(r->status, std::move(r->error_message))) return;
    // A handler error is no response intercept sees (Caddy returns it, it is not written).
    if (!r->error && !filters_.intercepts.empty()) {
      ResponseHead h{r->status, std::move(r->headers)};
      if (intercepted(h, r->body.size())) return;
      r->status = h.status;
      r->headers = std::move(h.headers);
    }
    respond(std::move(*r));
  } else if (auto* f = std::get_if<ServeFile>(&action)) {
    serve_file(std::move(*f));
  } else if (auto* p = std::get_if<ToProxy>(&action)) {
    start_proxy(std::move(*p));
  } else if (std::holds_alternative<CopyResponse>(action)) {
    // build_routes refuses it outside reverse_proxy's handle_response, which takes it itself.
    start(make_handler_error(500, "copy_response outside reverse_proxy's handle_response"));
  } else {
    start_exchange(std::get<ToBackend>(action).backend, request_stream_body_);
  }
}

bool Stream::answer_error(int status, std::string message, std::string trace) {
  if (!error_routes_ || in_error_route_ || response_started_) return false;
  if (!error_routes_->handles(status)) return false;
  in_error_route_ = true;
  stop_sources();  // head_ is now the request as routing left it (rewrites applied)
  deferring_ = false;
  deferred_body_.clear();
  enc_.reset();
  error_ = HttpError{status, std::move(message), std::move(trace), random_error_id()};
  if (status >= 500)
    log::warn("http", "handled an error", {{"status", status}, {"message", error_.message}, {"error_id", error_.id},
                                          {"uri", head_.uri}});
  else
    log::debug("http", "handled an error", {{"status", status}, {"message", error_.message}, {"error_id", error_.id},
                                           {"uri", head_.uri}});
  // The error route answers afresh: header operations and encoding the first route asked for do
  // not apply to it (it has its own); the access log and the authenticated user stay.
  head_.has_body = false;  // whatever the body was, it was read, refused or left
  head_.content_length.reset();
  expects_continue_ = false;
  Request rq(head_, original_path_, file_match_);
  rq.root = error_root_;
  rq.vars = std::move(error_vars_);
  rq.file_match = std::move(error_file_match_);
  rq.error = &error_;
  rq.filters.access_log = filters_.access_log;
  rq.filters.user_id = std::move(filters_.user_id);
  std::optional<Action> a = error_routes_->answer(status, rq);
  filters_ = std::move(rq.filters);
  request_max_body_.reset();
  request_stream_body_ = false;
  if (!a) {  // the route wrote nothing: Caddy answers the error's bare status
    Respond bare;
    bare.status = status;
    a = std::move(bare);
  }
  if (auto* f = std::get_if<ServeFile>(&*a); f && !f->status) f->status = status;  // as Caddy's file_server
  start(std::move(*a));
  return true;
}

int Stream::push_body(const char* data, size_t n, bool* paused) {
  body_bytes_ += n;
  const auto& max = request_max_body_ ? request_max_body_ : hl_.options().max_body_size;
  if (max && body_bytes_ > *max) {
    body_error_reason_ = "request body too large";
    return 413;
  }
  if (proxy_) {
    if (!proxy_->push_body(data, n)) *paused = true;
    return 0;
  }
  if (!ex_) return 0;
  switch (ex_->push_body(data, n)) {
    case Exchange::Push::More:
      break;
    case Exchange::Push::Full:
      *paused = true;
      break;
    case Exchange::Push::Failed:
      log::error("http", "could not buffer the request body", {{"error", ex_->body_error()}});
      body_error_reason_ = "could not buffer the request body";
      return 500;
  }
  return 0;
}

void Stream::end_body(bool complete) {
  body_ended_ = true;
  if (proxy_) proxy_->end_body(complete);
  if (ex_) ex_->end_body(complete);
  if (Backend* b = pending_backend_) {
    pending_backend_ = nullptr;
    if (complete) hand_over(b);
  }
}

// ---------------------------------------------------------------- responses

void Stream::respond(Respond r) {
  if (mx_) count_begin(metrics::HttpHandler::StaticResponse);
  ResponseHead head{r.status, std::move(r.headers)};
  status_ = r.status;
  if (vulcain_wants(head, r.body.size())) vulcain_transform(head, r.body);
  if (filter_head(head, r.body.size(), true) && enc_) {
    std::string z = enc_->update(r.body);
    z += enc_->finish();
    r.body = std::move(z);
    enc_.reset();
  }
  send_head(head, r.body.size());
  if (framing_.mode == Framing::Length) append_body(r.body);
  response_complete();
}

void Stream::respond_error(int status, const char* reason, bool log_it) {
  mx_error_ = true;
  if (log_it)
    log::warn("http", "request rejected",
              {{"status", status}, {"reason", reason}, {"remote_ip", head().remote_addr},
               {"remote_port", std::to_string(head().remote_port)}});
  host_.stream_rejecting(*this);
  if (response_started_) {  // too late for a status: end it abruptly
    host_.stream_failed(*this);
    return;
  }
  // A body over request_body's max_size is a handler error in Caddy: handle_errors may answer it.
  if (status == 413 && answer_error(status, reason)) return;
  stop_sources();
  filters_.header_ops.clear();  // the server's own errors are bare
  filters_.base_headers.clear();
  filters_.encode.reset();
  filters_.vulcain.reset();
  deferring_ = false;
  vulcain_holding_ = false;
  respond(make_error_response(status));
}

void Stream::serve_file(ServeFile f) {
  if (mx_) count_begin(metrics::HttpHandler::FileServer);
  StaticResponse sr = plan_static_response(head(), f.file);
  recycle_path_buffer(std::move(f.file));  // planned: the path's buffer serves the next file
  if (!f.type_of.empty())
    for (auto& h : sr.head.headers)
      if (header_name_equals(h.name, "Content-Type")) h.value = std::string(mime_type_for(f.type_of));
  for (auto& h : f.headers) sr.head.headers.push_back(std::move(h));
  if (f.status && sr.head.status == 200) sr.head.status = f.status;
  bool has_body = sr.fd >= 0 || sr.body;
  // The body: the cache's copy of a small file, else the open file.
  auto reader = [&] {
    std::unique_ptr<FileReader> r = spare_reader_ ? std::move(spare_reader_) : std::make_unique<FileReader>(nullptr, 0, 0);
    if (sr.body)
      r->reuse(std::move(sr.body), sr.offset, sr.length);
    else
      r->reuse(hl_.loop().uv(), sr.fd, sr.offset, sr.length);
    return r;
  };
  if (!has_body && !sr.content_length && status_allows_body(sr.head.status)) {
    mx_error_ = true;  // as Caddy's file_server: a 404 or 403 is a handler error
    if ((sr.head.status == 404 || sr.head.status == 403) &&
        answer_error(sr.head.status, sr.head.status == 404 ? "file not found" : "access forbidden"))
      return;
    Respond r = make_error_response(sr.head.status);
    for (auto& h : sr.head.headers) r.headers.push_back(std::move(h));
    respond(std::move(r));
    return;
  }
  if (!filters_.intercepts.empty() && intercepted(sr.head, sr.content_length)) {
    if (sr.fd >= 0) ::close(sr.fd);
    return;
  }
  status_ = sr.head.status;
  if (has_body && sr.head.status == 200 && sr.length > 0 && sr.length == sr.content_length.value_or(0) &&
      vulcain_wants(sr.head, sr.content_length)) {
    // Read whole, then transformed and sent by vulcain_release().
    vulcain_holding_ = true;
    vulcain_head_ = std::move(sr.head);
    vulcain_body_.clear();
    file_ = reader();
    pump_file();
    return;
  }
  bool encoded = filter_head(sr.head, sr.content_length, true);
  send_head(sr.head, encoded ? std::nullopt : sr.content_length);
  recycle_static_headers(std::move(sr.head.headers));  // written (HTTP/1) or copied (HTTP/2): reused
  bool streams = framing_.mode == Framing::Length || (encoded && framing_.mode != Framing::None);
  if (has_body && streams && sr.length > 0) {
    // HTTP/1: the head waits in the output buffer and goes out with the first chunk, one write.
    file_ = reader();
    pump_file();
    return;
  }
  if (sr.fd >= 0) ::close(sr.fd);
  response_complete();
}

void Stream::drop_file() {
  if (!file_) return;
  if (file_->busy())
    link_->orphans.push_back(std::move(file_));  // its read completes into the link
  else
    file_.reset();
}

void Stream::retire_file() {
  if (file_ && !file_->busy()) {
    file_->reuse(nullptr, 0, 0);  // closes its descriptor, drops the cached copy
    spare_reader_ = std::move(file_);
  }
  drop_file();
}

// A pool read finished (FileReader::next went Pending): `ctx` is the stream's Link.
void Stream::on_file_ready(void* ctx, FileReader* reader, bool ok) {
  auto* link = static_cast<Link*>(ctx);
  auto orphan = std::find_if(link->orphans.begin(), link->orphans.end(),
                             [reader](const auto& r) { return r.get() == reader; });
  if (orphan != link->orphans.end()) {  // its stream dropped it meanwhile
    link->orphans.erase(orphan);
    link->host->stream_io_end();  // may free the host
    return;
  }
  Stream* s = link->stream;
  s->host_.stream_io_end();
  if (!ok) {
    log::error("http", "reading file failed", {{"remote_ip", s->head().remote_addr}});
    s->file_.reset();
    s->host_.stream_failed(*s);
    return;
  }
  s->pump_file();
}

void Stream::pump_file() {
  for (int turn = 0; turn < kFileChunksPerTurn; ++turn) {
    if (!file_ || host_.stream_blocked(*this)) return;
    if (int fd = file_->direct_fd(); fd >= 0 && !enc_ && !vulcain_holding_ && file_->remaining() > 0 &&
                                     FileReader::page_cache_reads()) {
      int64_t n = host_.stream_sendfile(*this, fd, file_->offset(), file_->remaining());
      if (n > 0) {
        file_->skip(uint64_t(n));
        body_sent_ += uint64_t(n);
        length_left_ -= std::min<uint64_t>(length_left_, uint64_t(n));
        if (file_->remaining() == 0) {
          retire_file();
          response_complete();
          return;
        }
        continue;
      }
      // 0 (the socket is full) or -1: this chunk goes the read-and-write way.
    }
    std::string_view chunk;
    auto st = file_->next(chunk, &Stream::on_file_ready, link_);
    switch (st) {
      case FileReader::Status::Data: {
        bool last = file_->remaining() == 0;
        if (vulcain_holding_) {
          vulcain_body_.append(chunk);
        } else if (enc_) {
          append_body(enc_->update(chunk));
        } else {
          body_sent_ += chunk.size();
          length_left_ -= std::min<uint64_t>(length_left_, chunk.size());
          host_.stream_file_data(*this, chunk);
        }
        if (!file_) return;  // the host failed meanwhile
        if (last) {
          retire_file();
          if (vulcain_holding_) vulcain_release(true);
          response_complete();
          return;
        }
        if (enc_ && !vulcain_holding_) flush();
        break;
      }
      case FileReader::Status::Pending:
        host_.stream_io_begin();
        return;
      case FileReader::Status::Done:
        retire_file();
        if (vulcain_holding_) vulcain_release(true);
        response_complete();
        return;
      case FileReader::Status::Failed:
        log::error("http", "reading file failed", {{"remote_ip", head().remote_addr}});
        file_.reset();
        host_.stream_failed(*this);
        return;
    }
  }
  // A fast reader of a big file: yield to the other connections, continue next turn.
  if (file_ && !host_.stream_blocked(*this))
    hl_.loop().post([link = link_] {
      if (link->stream) link->stream->pump_file();
    });
}

void Stream::start_exchange(Backend* backend, bool stream_body) {
  if (mx_) count_begin(metrics::HttpHandler::Php);
  // A plain function and the link it runs on: no std::function to allocate per request.
  // The posted task keeps the link (the exchange's context) alive; no allocation per wake-up.
  auto wake = [](const std::shared_ptr<void>& ctx) {
    Link* link = static_cast<Link*>(ctx.get());
    if (auto mailbox = link->mailbox.lock())
      mailbox->post(
          [](void* c) {
            if (Stream* stream = static_cast<Link*>(c)->stream) stream->on_exchange_wake();
          },
          ctx);
  };
  bool has_body = head_.has_body;
  ex_ = std::make_shared<Exchange>(std::move(head_), +wake, link_);
  if (spare_ready_) {  // the parser's next head: warm buffers instead of moved-from ones
    head_ = std::move(*spare_head_);
    spare_ready_ = false;
  }
  if (!has_body) ex_->end_body(true);
  else if (!stream_body) ex_->buffer_body();
  if (expects_continue_) {
    host_.stream_continue(*this);
    if (!ex_) return;  // the host failed
  }
  if (ex_->body_buffered()) {
    pending_backend_ = backend;  // end_body() hands it over
    return;
  }
  hand_over(backend);
}

void Stream::hand_over(Backend* backend) {
  auto ex = ex_;
  try {
    hl_.hand_to(backend, std::move(ex));
  } catch (const std::exception& e) {
    log::error("http", "backend failed to take the request", {{"error", e.what()}});
    respond_error(500, "backend error", false);
  }
}

void Stream::on_exchange_wake() {
  if (!ex_) return;
  std::shared_ptr<Exchange> ex = ex_;
  ex->begin_loop_turn();
  ex->take_events(events_);
  drain_events();
  if (ex_ != ex) {
    keep_head_buffers(ex);
    return;
  }
  host_.stream_body_wanted(*this);
}

void Stream::keep_head_buffers(std::shared_ptr<Exchange>& ex) {
  if (spare_ready_ || ex.use_count() != 1) return;
  // The producer's reads of the head happened before it released its reference (an acq_rel
  // decrement); this fence pairs with that release, as a shared_ptr's own destructor does.
  std::atomic_thread_fence(std::memory_order_acquire);
  if (!spare_head_) spare_head_ = std::make_unique<RequestHead>();
  *spare_head_ = ex->reclaim_head();
  spare_head_->clear_for_reuse();
  spare_ready_ = true;
  ex.reset();
}

void Stream::on_output_ready() {
  if (proxy_) proxy_->output_ready();
  if (file_ && !file_->busy()) pump_file();
  if (ex_ && !events_.empty()) drain_events();
}

void Stream::drain_events() {
  std::shared_ptr<Exchange> ex = ex_;
  int reads = 0;
  while (!events_.empty() && ex_ == ex) {
    Exchange::Event& front = events_.front();
    if (front.kind == Exchange::Event::Spooled) {
      // Read back only what the client can take now; the rest when it caught up.
      if (host_.stream_blocked(*this)) {
        flush();
        return;
      }
      if (++reads > kFileChunksPerTurn) {  // a fast client: yield to the other connections
        hl_.loop().post([link = link_] {
          if (link->stream && link->stream->ex_) link->stream->drain_events();
        });
        flush();
        return;
      }
      size_t want = size_t(std::min<uint64_t>(front.spooled, HttpLoop::kReadBufferSize));
      char* buf = hl_.read_buffer();  // free: read callbacks use it only while they run
      size_t got = ex->read_spooled(buf, want);
      if (got == 0) {
        log::error("http", "reading the response spool failed", {{"remote_ip", head().remote_addr}});
        host_.stream_failed(*this);
        return;
      }
      front.spooled -= got;
      if (front.spooled == 0) events_.pop_front();
      on_response_data(std::string_view(buf, got));
      flush();
      continue;
    }
    if (front.kind == Exchange::Event::Failed) {  // the producer gave up on this client
      events_.clear();
      flush();
      host_.stream_failed(*this);
      return;
    }
    Exchange::Event ev = std::move(front);
    events_.pop_front();
    bool ended = ev.kind == Exchange::Event::End;
    handle_event(ev);
    if (ended) {
      events_.clear();
      response_complete();
      return;
    }
  }
  if (ex_ == ex) flush();
}

void Stream::handle_event(Exchange::Event& ev) {
  switch (ev.kind) {
    case Exchange::Event::Interim: {
      const RequestHead& h = head();
      if (!response_started_ && (h.http_major >= 2 || h.http_minor >= 1) && ev.head.status > 101 &&
          ev.head.status < 200)
        host_.stream_interim(*this, ev.head);
      break;
    }
    case Exchange::Event::Head: {
      if (response_started_ || deferring_ || vulcain_holding_) break;
      // The producer's error (a PHP fatal before any output, a request that waited too long):
      // handle_errors may answer it; the exchange's own output is then dropped.
      if (ev.head.error && answer_error(ev.head.status, std::move(ev.head.error_message), std::move(ev.head.error_trace)))
        break;
      if (!ev.head.error && !filters_.intercepts.empty() && intercepted(ev.head)) break;
      std::optional<uint64_t> length = content_length_of(ev.head);
      if (vulcain_wants(ev.head, length)) {
        vulcain_holding_ = true;
        vulcain_head_ = std::move(ev.head);
        vulcain_body_.clear();
        break;
      }
      if (should_defer_head(ev.head, length)) {
        deferring_ = true;
        deferred_head_ = std::move(ev.head);
        deferred_body_.clear();
        break;
      }
      start_response(ev.head, length);
      break;
    }
    case Exchange::Event::Data:
      ex_credit_ += ev.data.size();
      on_response_data(ev.data);
      break;
    case Exchange::Event::Spooled:  // drain_events() reads these back itself
    case Exchange::Event::Failed:
      break;
    case Exchange::Event::End:
      if (vulcain_holding_) vulcain_release(true);
      if (deferring_) commit_deferred_head(true);
      if (!response_started_) {  // finish() without a head cannot happen, but stay well-formed
        ResponseHead h;
        Exchange::Event head_ev{Exchange::Event::Head, h, {}};
        handle_event(head_ev);
      }
      if (framing_.mode == Framing::Length && length_left_ > 0 && !enc_) {
        log::warn("http", "response shorter than its Content-Length; ending the connection abruptly",
                  {{"missing", length_left_}});
        short_body_ = true;
      }
      break;
  }
}

void Stream::on_response_data(std::string_view data) {
  if (vulcain_holding_) {
    vulcain_body_ += data;
    if (vulcain_body_.size() > vulcain::kMaxBody) vulcain_release(false);
    return;
  }
  if (deferring_) {
    deferred_body_ += data;
    // When the end is next in this turn, it decides with the whole body (sent with its length).
    bool end_next = !events_.empty() && events_.front().kind == Exchange::Event::End;
    if (!deferred_body_.empty() && !end_next) commit_deferred_head(false);
    return;
  }
  if (enc_)
    append_body(enc_->update(data));
  else
    append_body(data);
  if (host_.stream_should_flush(*this)) flush();
}

void Stream::flush() {
  size_t credit = ex_credit_;
  ex_credit_ = 0;
  host_.stream_flush(*this, credit);
}

void Stream::response_complete() {
  if (enc_) {
    if (framing_.mode != Framing::None) append_body(enc_->finish());
    enc_.reset();
  }
  if (response_done_) return;
  response_done_ = true;  // before the last flush: HTTP/2 may close the stream inside it
  host_.stream_end(*this);
  flush();
  if (!active_) return;  // the host failed, or finished the stream, meanwhile
  host_.stream_done(*this);  // may reset the stream (and start the next request)
}

void Stream::stop_sources(bool let_run) {
  if (ex_) {
    head_ = ex_->head();  // for the access log
    if (let_run)
      ex_->discard();
    else
      ex_->abort();
    ex_->end_body(false);
    ex_.reset();
  }
  pending_backend_ = nullptr;
  events_.clear();
  drop_file();
  retire_proxy();
}

void Stream::abort() {
  stop_sources();
  active_ = false;
}

void Stream::reset(bool keep_head) {
  if (mx_begun_) count_end();
  if (active_ && status_ && filters_.access_log) log_access();
  if (ex_) {
    ex_->end_body(false);  // no-op when the body was complete
    ex_.reset();
  }
  retire_proxy();
  if (!keep_head) head_.clear_for_reuse();
  expects_continue_ = false;
  head_request_ = false;
  active_ = false;
  body_ended_ = false;
  proxy_responses_ = nullptr;
  body_bytes_ = 0;
  body_error_reason_ = "";
  response_started_ = response_done_ = short_body_ = false;
  status_ = 0;
  body_sent_ = 0;
  framing_ = Framing{};
  length_left_ = 0;
  events_.clear();
  drop_file();
  filters_.clear();
  request_max_body_.reset();
  request_stream_body_ = false;
  pending_backend_ = nullptr;
  enc_.reset();
  resp_headers_.clear();
  deferring_ = false;
  deferred_head_ = ResponseHead{};
  deferred_body_.clear();
  vulcain_holding_ = false;
  vulcain_head_ = ResponseHead{};
  vulcain_body_.clear();
  ex_credit_ = 0;
  mx_error_ = false;
  error_routes_ = nullptr;
  in_error_route_ = false;
  error_root_.clear();
  error_vars_.clear();
  error_file_match_ = {};
}

void Stream::count_begin(metrics::HttpHandler handler) {
  if (mx_begun_) return;  // a file_server or php request answered with an error stays theirs
  mx_begun_ = true;
  mx_handler_ = handler;
  mx_head_at_ = {};
  mx_->begin(handler);
}

void Stream::count_end() {
  mx_begun_ = false;
  const auto now = std::chrono::steady_clock::now();
  const RequestHead& h = head();
  // Caddy's (promhttp's) approximate request size: URL, method, protocol, headers, host, body.
  uint64_t size = h.uri.size() + h.method.size() + 8;  // "HTTP/1.1", "HTTP/2.0"
  const std::string* host = nullptr;
  for (const auto& hd : h.headers) {
    if (header_name_equals(hd.name, "Host")) host = &hd.value;
    else size += hd.name.size() + hd.value.size();
  }
  if (host) size += host->size();
  if (h.content_length) size += *h.content_length;
  auto ns = [&](std::chrono::steady_clock::time_point t) {
    return t < started_at_ ? 0 : uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(t - started_at_).count());
  };
  metrics::HttpObservation o;
  o.handler = mx_handler_;
  o.method = h.method;
  o.code = status_;
  o.error = mx_error_;
  o.duration_ns = ns(now);
  o.first_byte_ns = ns(mx_head_at_ == std::chrono::steady_clock::time_point{} ? now : mx_head_at_);
  o.request_bytes = size;
  o.response_bytes = body_sent_;
  mx_->end(o);
}

namespace {

// Go's canonical header key (content-type -> Content-Type), the names Caddy's access log shows
// whatever the client sent (HTTP/2 names are lowercase): log filters name headers this way.
std::string canonical_header_key(const std::string& name) {
  std::string out = name;
  bool upper = true;
  for (char& c : out) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u <= ' ' || u >= 0x7f || c == ':') return name;  // not a token: Go leaves it as is
    c = char(upper ? std::toupper(u) : std::tolower(u));
    upper = c == '-';
  }
  return out;
}

// As Caddy, unless `servers { log_credentials }`: the values of these headers are "REDACTED".
bool is_credential_header(const std::string& key) {
  return key == "Cookie" || key == "Set-Cookie" || key == "Authorization" || key == "Proxy-Authorization";
}

nlohmann::json loggable_headers(const std::vector<Header>& hs, bool credentials) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& hd : hs) {
    std::string key = canonical_header_key(hd.name);
    out[key].push_back(credentials || !is_credential_header(key) ? hd.value : std::string("REDACTED"));
  }
  return out;
}

}  // namespace

void Stream::log_access() {
  const RequestHead& h = head();
  const bool credentials = hl_.options().log_credentials;
  nlohmann::json headers = loggable_headers(h.headers, credentials);
  const std::string* host = h.header("Host");
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_at_).count();
  nlohmann::json f = {
      {"request",
       {{"remote_ip", h.remote_addr},
        {"remote_port", std::to_string(h.remote_port)},
        {"client_ip", h.client()},
        {"proto", h.http_major >= 2 ? std::string("HTTP/2.0")
                                    : "HTTP/" + std::to_string(h.http_major) + "." + std::to_string(h.http_minor)},
        {"method", h.method},
        {"host", host ? *host : std::string()},
        {"uri", h.uri},
        {"headers", headers}}},
      {"bytes_read", body_bytes_},
      {"user_id", filters_.user_id},
      {"duration", secs},
      {"size", body_sent_},
      {"status", status_},
  };
  if (h.scheme == "https") {
    f["request"]["tls"] = nlohmann::json::object();
    for (const auto& [k, v] : h.tls_env) {
      if (k == "SSL_PROTOCOL") f["request"]["tls"]["proto"] = v;
      if (k == "SSL_CIPHER") f["request"]["tls"]["cipher_suite"] = v;
    }
  }
  if (filters_.access_log) {
    f["resp_headers"] = loggable_headers(resp_headers_, credentials);
    filters_.access_log->write(f, status_);
    return;
  }
  log::info("http.log.access", "handled request", f);
}

// ---------------------------------------------------------------- response filters and framing

namespace {

// The answer's fields over `base` (filters' base_headers): a field the answer sets replaces the
// base's, but for a default Content-Type (file_server's and respond's, which Caddy sets only when
// none is), which gives way to the base's. The base's framing fields described another body.
void merge_base_headers(const std::vector<Header>& base, std::vector<Header>& headers, bool default_type) {
  auto has = [](const std::vector<Header>& hs, std::string_view name) {
    return std::any_of(hs.begin(), hs.end(), [&](const Header& h) { return header_name_equals(h.name, name); });
  };
  const bool base_type = default_type && has(base, "Content-Type");
  std::vector<Header> merged;
  merged.reserve(base.size() + headers.size());
  for (const Header& b : base) {
    if (header_name_equals(b.name, "Content-Length") || header_name_equals(b.name, "Transfer-Encoding")) continue;
    if ((base_type && header_name_equals(b.name, "Content-Type")) || !has(headers, b.name)) merged.push_back(b);
  }
  for (Header& h : headers)
    if (!(base_type && header_name_equals(h.name, "Content-Type"))) merged.push_back(std::move(h));
  headers = std::move(merged);
}

}  // namespace

bool Stream::filter_head(ResponseHead& head, std::optional<uint64_t> length, bool default_type) {
  enc_.reset();
  if (!filters_.base_headers.empty()) merge_base_headers(filters_.base_headers, head.headers, default_type);
  if (!filters_.header_ops.empty()) HeaderOps::apply_all(filters_.header_ops, head.headers);
  if (filters_.vulcain && vulcain::applies_to(head.status, head.headers, "")) {
    // What a route with vulcain answers depends on these request headers, whether this request
    // sent them or not: a cache must not serve one answer for the other.
    vulcain::add_vary(head.headers, "Preload");
    vulcain::add_vary(head.headers, "Fields");
  }
  bool encode = false;
  if (filters_.encode && head.status == 304) add_vary_accept_encoding(head.headers);  // as the 200 would have
  if (filters_.encode && should_encode(head.status, head.headers, length, *filters_.encode)) {
    add_vary_accept_encoding(head.headers);
    const std::string& enc = filters_.encoding;
    if (!enc.empty() && !encode_declined_) {
      // The encoded body has another length, and byte ranges of it are not offered.
      std::erase_if(head.headers, [](const Header& h) {
        return header_name_equals(h.name, "Content-Length") || header_name_equals(h.name, "Accept-Ranges");
      });
      for (auto& h : head.headers)  // the encoded body is another representation
        if (header_name_equals(h.name, "Etag") && !h.value.starts_with("W/")) h.value = "W/" + h.value;
      head.headers.push_back({"Content-Encoding", enc});
      try {
        enc_ = make_compressor(enc, *filters_.encode);
        encode = true;
      } catch (const std::exception& e) {
        log::error("http.encoder", "compressor failed", {{"error", e.what()}});
      }
    }
  }
  if (filters_.access_log) resp_headers_ = head.headers;
  encode_declined_ = false;
  return encode;
}

void Stream::send_head(ResponseHead& head, std::optional<uint64_t> length) {
  if (mx_) mx_head_at_ = std::chrono::steady_clock::now();
  framing_ = host_.stream_head(*this, head, length);
  response_started_ = true;
  length_left_ = framing_.length;
}

void Stream::append_body(std::string_view data) {
  switch (framing_.mode) {
    case Framing::None:
      return;
    case Framing::Length: {
      size_t k = size_t(std::min<uint64_t>(data.size(), length_left_));
      length_left_ -= k;
      data = data.substr(0, k);
      break;
    }
    case Framing::Chunked:
    case Framing::UntilClose:
      break;
  }
  if (data.empty()) return;
  body_sent_ += data.size();
  host_.stream_body(*this, data);
}

bool Stream::should_defer_head(const ResponseHead& head, std::optional<uint64_t> length) const {
  if (!filters_.encode || length || filters_.encode->minimum_length == 0) return false;
  if (head_request_) return false;
  if (filters_.encoding.empty()) return false;
  ResponseHead probe = head;  // what filter_head will decide on
  if (!filters_.header_ops.empty()) HeaderOps::apply_all(filters_.header_ops, probe.headers);
  return should_encode(probe.status, probe.headers, std::nullopt, *filters_.encode);
}

void Stream::commit_deferred_head(bool ended) {
  deferring_ = false;
  std::string body = std::move(deferred_body_);
  deferred_body_.clear();
  // Ended with the first piece: the whole body is known and sent with its length (encoded when
  // it is long enough).
  if (ended) deferred_head_.headers.push_back({"Content-Length", std::to_string(body.size())});
  // As Caddy decides on the first write: a first piece no longer than minimum_length (a flush()
  // of a few bytes, an event of a stream) means the response goes out as it is, piece by piece.
  else if (body.size() <= filters_.encode->minimum_length)
    encode_declined_ = true;
  std::optional<uint64_t> length = ended ? std::optional<uint64_t>(body.size()) : std::nullopt;
  start_response(deferred_head_, length);
  append_held_body(body);
}

void Stream::start_response(ResponseHead& head, std::optional<uint64_t> length) {
  status_ = head.status;
  bool encoded = filter_head(head, length);
  send_head(head, encoded ? std::nullopt : length);
}

void Stream::append_held_body(const std::string& body) {
  if (enc_)
    append_body(enc_->update(body));
  else
    append_body(body);
}

// ---------------------------------------------------------------- vulcain

bool Stream::vulcain_wants(const ResponseHead& rh, std::optional<uint64_t> length) const {
  const auto& v = filters_.vulcain;
  if (!v || !v->directives || head_request_) return false;
  if (length && *length > vulcain::kMaxBody) return false;  // passes through as it comes
  if (filters_.header_ops.empty()) return vulcain::applies_to(rh.status, rh.headers, v->prefer);
  // `header` may set the Content-Type (a `respond` has none of its own): decide on what will be sent.
  ResponseHead probe = rh;
  HeaderOps::apply_all(filters_.header_ops, probe.headers);
  return vulcain::applies_to(probe.status, probe.headers, v->prefer);
}

void Stream::vulcain_transform(ResponseHead& rh, std::string& body) {
  const VulcainRequest& v = *filters_.vulcain;
  auto r = vulcain::apply(body, *v.directives, v.options);
  if (!r) return;  // not JSON after all: sent untouched
  if (r->changed) {
    body = std::move(r->body);
    for (auto& h : rh.headers)
      if (header_name_equals(h.name, "Content-Length")) h.value = std::to_string(body.size());
  }
  if (r->links.empty()) return;
  ResponseHead hints{103, {}};
  for (const auto& link : r->links) {
    hints.headers.push_back({"Link", link});
    rh.headers.push_back({"Link", link});
  }
  // As Caddy's module, the hints can only be known once the whole document is: they go just
  // before the final head (a client can start those fetches while the body transfers).
  const RequestHead& req = head();
  if (v.early_hints && !response_started_ && (req.http_major >= 2 || req.http_minor >= 1))
    host_.stream_interim(*this, hints);
}

void Stream::vulcain_release(bool ended) {
  vulcain_holding_ = false;
  ResponseHead rh = std::move(vulcain_head_);
  std::string body = std::move(vulcain_body_);
  vulcain_head_ = ResponseHead{};
  vulcain_body_.clear();
  std::optional<uint64_t> length = content_length_of(rh);
  if (ended) {
    vulcain_transform(rh, body);
    // The whole body is known: sent with its length.
    std::erase_if(rh.headers, [](const Header& h) { return header_name_equals(h.name, "Content-Length"); });
    rh.headers.push_back({"Content-Length", std::to_string(body.size())});
    length = body.size();
  }
  start_response(rh, length);
  append_held_body(body);
}

}  // namespace pogo::server
