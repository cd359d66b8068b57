#include "server/h2_session.h"

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "server/h2_headers.h"

namespace pogo::server {

namespace {
// Frames receive() serializes itself, so that a connection error's GOAWAY is seen at once; the
// rest waits for take_output(), which the transport calls when the socket can take more.
constexpr size_t kReceivePumpCap = 64 << 10;
// nghttp2's own CONTINUATION cap (8 frames, CVE-2024-28182) would refuse a legitimate header list
// near max_header_list_size: allow enough 16 KiB frames to carry one.
constexpr size_t kMinContinuations = 8;

uint64_t steady_ms() {
  using namespace std::chrono;
  return uint64_t(duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count());
}

std::string goaway_text(const nghttp2_goaway& g) {
  std::string s = "GOAWAY ";
  s += nghttp2_http2_strerror(g.error_code);
  if (g.opaque_data_len) {
    s += ": ";
    s.append(reinterpret_cast<const char*>(g.opaque_data), g.opaque_data_len);
  }
  return s;
}

// nghttp2 copies names and values (no NO_COPY flags): `fields` need only outlive the submit call.
std::vector<nghttp2_nv> to_nv(std::vector<Header>& fields) {
  std::vector<nghttp2_nv> nva;
  nva.reserve(fields.size());
  for (auto& f : fields)
    nva.push_back(nghttp2_nv{reinterpret_cast<uint8_t*>(f.name.data()), reinterpret_cast<uint8_t*>(f.value.data()),
                             f.name.size(), f.value.size(), NGHTTP2_NV_FLAG_NONE});
  return nva;
}

uint32_t code_for_library_error(ssize_t rv) {
  switch (rv) {
    case NGHTTP2_ERR_FLOODED:
    case NGHTTP2_ERR_TOO_MANY_CONTINUATIONS: return NGHTTP2_ENHANCE_YOUR_CALM;
    case NGHTTP2_ERR_BAD_CLIENT_MAGIC: return NGHTTP2_PROTOCOL_ERROR;
    default: return NGHTTP2_INTERNAL_ERROR;
  }
}
}  // namespace

struct H2Session::Stream {
  explicit Stream(int32_t stream_id, size_t max_list) : id(stream_id), request(max_list) {}
  const int32_t id;
  H2RequestBuilder request;
  bool decided = false;        // the head was delivered or refused
  bool delivered = false;      // on_request was called: the handler knows the stream
  bool body_expected = false;  // ... with has_body
  bool remote_ended = false;   // the client's END_STREAM arrived
  size_t unconsumed = 0;       // body bytes delivered and not consumed yet

  bool response_submitted = false;
  bool ended = false;     // no more response bytes will be added
  bool deferred = false;  // the data provider is parked until more bytes come
  std::string out;        // response bytes not sent yet, from out_offset on
  size_t out_offset = 0;
  size_t unsent() const { return out.size() - out_offset; }
};

// The nghttp2 callbacks. Each runs inside mem_recv/mem_send (a C frame): nothing may throw
// through it, so every one catches and turns an exception into a session failure.
struct H2Session::Glue {
  static H2Session& self(void* user_data) { return *static_cast<H2Session*>(user_data); }

  template <class F>
  static int guarded(void* user_data, F&& body) {
    try {
      return body(self(user_data));
    } catch (const std::exception& e) {
      self(user_data).fail(NGHTTP2_INTERNAL_ERROR, std::string("HTTP/2 handler failed: ") + e.what());
    } catch (...) {
      self(user_data).fail(NGHTTP2_INTERNAL_ERROR, "HTTP/2 handler failed");
    }
    return NGHTTP2_ERR_CALLBACK_FAILURE;
  }

  static int on_begin_headers(nghttp2_session*, const nghttp2_frame* frame, void* ud) {
    return guarded(ud, [&](H2Session& s) {
      if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
      int32_t id = frame->hd.stream_id;
      s.streams_[id] = std::make_unique<Stream>(id, s.limits_.max_header_list_size);
      return 0;
    });
  }

  static int on_header(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name, size_t namelen,
                       const uint8_t* value, size_t valuelen, uint8_t, void* ud) {
    return guarded(ud, [&](H2Session& s) {
      if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;  // trailers
      if (Stream* st = s.find(frame->hd.stream_id))
        st->request.add({reinterpret_cast<const char*>(name), namelen}, {reinterpret_cast<const char*>(value), valuelen});
      return 0;
    });
  }

  static int on_frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* ud) {
    return guarded(ud, [&](H2Session& s) {
      bool end_stream = (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
      switch (frame->hd.type) {
        case NGHTTP2_HEADERS:
          if (Stream* st = s.find(frame->hd.stream_id)) {
            // A request's head, or trailers (their fields are dropped) ending the body.
            if (frame->headers.cat == NGHTTP2_HCAT_REQUEST || end_stream) s.settle(*st, end_stream);
          }
          break;
        case NGHTTP2_DATA:
          if (Stream* st = s.find(frame->hd.stream_id); st && end_stream) s.settle(*st, true);
          break;
        case NGHTTP2_RST_STREAM:
          s.count_reset();
          break;
        default:
          break;
      }
      return 0;
    });
  }

  static int on_data_chunk(nghttp2_session* session, uint8_t, int32_t id, const uint8_t* data, size_t len, void* ud) {
    return guarded(ud, [&](H2Session& s) {
      Stream* st = s.find(id);
      if (!st || !st->delivered || !st->body_expected) {
        // Nobody will consume these: give the window back now.
        nghttp2_session_consume(session, id, len);
        return 0;
      }
      st->unconsumed += len;
      s.handler_.on_body(id, reinterpret_cast<const char*>(data), len);
      return 0;
    });
  }

  static int on_stream_close(nghttp2_session* session, int32_t id, uint32_t error_code, void* ud) {
    return guarded(ud, [&](H2Session& s) {
      auto it = s.streams_.find(id);
      if (it == s.streams_.end()) return 0;
      // Body bytes never consumed still hold the connection window.
      if (it->second->unconsumed) nghttp2_session_consume_connection(session, it->second->unconsumed);
      bool delivered = it->second->delivered;
      s.streams_.erase(it);
      if (delivered) s.handler_.on_stream_closed(id, error_code);
      return 0;
    });
  }

  static int on_frame_send(nghttp2_session* session, const nghttp2_frame* frame, void* ud) {
    return guarded(ud, [&](H2Session& s) {
      int32_t id = frame->hd.stream_id;
      switch (frame->hd.type) {
        case NGHTTP2_HEADERS:
        case NGHTTP2_DATA:
          // The response is complete while the request is not: ask the client to stop sending
          // (RFC 9113 §8.1), so the stream does not stay open on an upload nobody reads.
          if (frame->hd.flags & NGHTTP2_FLAG_END_STREAM)
            if (Stream* st = s.find(id); st && !st->remote_ended) s.reset_quietly(id, NGHTTP2_NO_ERROR);
          break;
        case NGHTTP2_RST_STREAM:
          if (s.quiet_resets_.erase(id) == 0) s.count_reset();  // nghttp2 reset a stream the client broke
          break;
        case NGHTTP2_GOAWAY:
          if (frame->goaway.error_code != NGHTTP2_NO_ERROR && !s.fatal_) {
            s.fatal_ = true;
            s.error_ = "sent " + goaway_text(frame->goaway);
            if (!s.last_library_error_.empty()) s.error_ += " (" + s.last_library_error_ + ")";
          }
          break;
        default:
          break;
      }
      (void)session;
      return 0;
    });
  }

  static int on_frame_not_send(nghttp2_session* session, const nghttp2_frame* frame, int, void* ud) {
    return guarded(ud, [&](H2Session& s) {
      int32_t id = frame->hd.stream_id;
      if (frame->hd.type == NGHTTP2_RST_STREAM) s.quiet_resets_.erase(id);
      // A response head nghttp2 could not send (too large for the peer's limits): the client
      // must not wait for it.
      if (frame->hd.type == NGHTTP2_HEADERS && s.find(id)) s.reset_quietly(id, NGHTTP2_INTERNAL_ERROR);
      (void)session;
      return 0;
    });
  }

  static int on_error(nghttp2_session*, int, const char* msg, size_t len, void* ud) {
    try {
      self(ud).last_library_error_.assign(msg, len);
    } catch (...) {
    }
    return 0;
  }

  static ssize_t read_data(nghttp2_session*, int32_t id, uint8_t* buf, size_t length, uint32_t* flags,
                           nghttp2_data_source*, void* ud) {
    H2Session& s = self(ud);
    Stream* st = s.find(id);
    if (!st) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    size_t before = st->unsent();
    if (before == 0 && !st->ended) {
      st->deferred = true;
      return NGHTTP2_ERR_DEFERRED;
    }
    size_t n = std::min(length, before);
    std::memcpy(buf, st->out.data() + st->out_offset, n);
    st->out_offset += n;
    if (st->out_offset == st->out.size()) {
      st->out.clear();
      st->out_offset = 0;
    } else if (st->out_offset >= (64u << 10) && st->out_offset * 2 >= st->out.size()) {
      st->out.erase(0, st->out_offset);
      st->out_offset = 0;
    }
    if (st->ended && st->unsent() == 0) *flags |= NGHTTP2_DATA_FLAG_EOF;
    if (before >= s.limits_.low_water && st->unsent() < s.limits_.low_water && !st->ended) s.writable_.push_back(id);
    return ssize_t(n);
  }
};

H2Session::H2Session(Handler& handler, Limits limits, bool tls, Clock clock)
    : handler_(handler), limits_(limits), tls_(tls), clock_(clock ? clock : &steady_ms) {
  nghttp2_session_callbacks* cbs = nullptr;
  nghttp2_session_callbacks_new(&cbs);
  nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, &Glue::on_begin_headers);
  nghttp2_session_callbacks_set_on_header_callback(cbs, &Glue::on_header);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, &Glue::on_frame_recv);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, &Glue::on_data_chunk);
  nghttp2_session_callbacks_set_on_stream_close_callback(cbs, &Glue::on_stream_close);
  nghttp2_session_callbacks_set_on_frame_send_callback(cbs, &Glue::on_frame_send);
  nghttp2_session_callbacks_set_on_frame_not_send_callback(cbs, &Glue::on_frame_not_send);
  nghttp2_session_callbacks_set_error_callback2(cbs, &Glue::on_error);

  nghttp2_option* opt = nullptr;
  nghttp2_option_new(&opt);
  nghttp2_option_set_no_auto_window_update(opt, 1);
  nghttp2_option_set_no_closed_streams(opt, 1);  // no priority tree of closed streams to keep
  nghttp2_option_set_max_continuations(opt, std::max<size_t>(kMinContinuations, limits_.max_header_list_size / 16384 + 2));
  // nghttp2's own reset limiter (a token bucket, 1000 then 33/s by default) stays as a backstop
  // looser than ours, so that the cap in Limits is the one that decides.
  uint64_t rate = uint64_t(limits_.max_resets_per_window) * 1000 / std::max<uint32_t>(limits_.reset_window_ms, 1) + 1;
  nghttp2_option_set_stream_reset_rate_limit(opt, std::max<uint64_t>(1000, 2ull * limits_.max_resets_per_window), rate);

  int rv = nghttp2_session_server_new2(&session_, cbs, this, opt);
  nghttp2_option_del(opt);
  nghttp2_session_callbacks_del(cbs);
  if (rv != 0) throw std::bad_alloc();

  const nghttp2_settings_entry settings[] = {
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, limits_.max_concurrent_streams},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, limits_.initial_window},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, limits_.max_header_list_size},
  };
  nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, std::size(settings));
  nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0, int32_t(limits_.connection_window));
}

H2Session::~H2Session() { nghttp2_session_del(session_); }

H2Session::Stream* H2Session::find(int32_t id) const {
  auto it = streams_.find(id);
  return it == streams_.end() ? nullptr : it->second.get();
}

void H2Session::fail(uint32_t code, std::string why) {
  if (!fatal_) {
    fatal_ = true;
    error_ = std::move(why);
  }
  nghttp2_session_terminate_session(session_, code);
}

void H2Session::reset_quietly(int32_t stream, uint32_t code) {
  quiet_resets_.insert(stream);
  nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, stream, code);
}

// The fixed window of the rapid-reset cap: a client that makes the server set up and tear down
// streams faster than this is attacking it, whatever its reasons.
void H2Session::count_reset() {
  uint64_t now = clock_();
  if (now - reset_window_start_ >= limits_.reset_window_ms) {
    reset_window_start_ = now;
    resets_in_window_ = 0;
  }
  if (++resets_in_window_ > limits_.max_resets_per_window)
    fail(NGHTTP2_ENHANCE_YOUR_CALM, "HTTP/2 rapid reset: more than " + std::to_string(limits_.max_resets_per_window) +
                                        " stream resets in " + std::to_string(limits_.reset_window_ms) + " ms");
}

// A request HEADERS block ended (deliver or refuse it), or the client's END_STREAM arrived.
void H2Session::settle(Stream& st, bool end_stream) {
  if (end_stream) st.remote_ended = true;
  if (st.decided) {
    if (end_stream && st.delivered && st.body_expected) handler_.on_body_end(st.id);
    return;
  }
  st.decided = true;
  if (goaway_last_stream_ >= 0 && st.id > goaway_last_stream_) {
    // Opened after our GOAWAY named the last stream: unprocessed, the client retries elsewhere.
    reset_quietly(st.id, NGHTTP2_REFUSED_STREAM);
    return;
  }
  RequestHead head;
  switch (st.request.finish(tls_, end_stream, head)) {
    case H2RequestBuilder::Verdict::Ok:
      st.delivered = true;
      st.body_expected = head.has_body;
      handler_.on_request(st.id, std::move(head));
      return;
    case H2RequestBuilder::Verdict::TooLarge: {
      ResponseHead too_large;
      too_large.status = 431;
      too_large.headers.push_back(Header{"content-length", "0"});
      auto fields = h2_response_fields(too_large);
      auto nva = to_nv(fields);
      st.response_submitted = st.ended = true;
      nghttp2_submit_response(session_, st.id, nva.data(), nva.size(), nullptr);
      return;
    }
    case H2RequestBuilder::Verdict::Connect:
      nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, st.id, NGHTTP2_REFUSED_STREAM);
      return;
    case H2RequestBuilder::Verdict::Malformed:
      nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, st.id, NGHTTP2_PROTOCOL_ERROR);
      return;
  }
}

bool H2Session::receive(const char* data, size_t n) {
  if (fatal_) return false;
  ssize_t rv = nghttp2_session_mem_recv(session_, reinterpret_cast<const uint8_t*>(data), n);
  if (rv < 0 && !fatal_) fail(code_for_library_error(rv), std::string("HTTP/2: ") + nghttp2_strerror(int(rv)));
  pump(pending_, kReceivePumpCap);
  return !fatal_;
}

void H2Session::consume(int32_t stream, size_t n) {
  Stream* st = find(stream);
  if (!st) return;  // closed: its unconsumed bytes went back to the connection window then
  n = std::min(n, st->unconsumed);
  st->unconsumed -= n;
  if (n) nghttp2_session_consume(session_, stream, n);
}

void H2Session::submit_interim(int32_t stream, const ResponseHead& head) {
  Stream* st = find(stream);
  if (!st || !st->delivered || st->response_submitted) return;
  if (head.status < 100 || head.status > 199 || head.status == 101) return;  // 101 has no HTTP/2 meaning
  auto fields = h2_response_fields(head);
  auto nva = to_nv(fields);
  nghttp2_submit_headers(session_, NGHTTP2_FLAG_NONE, stream, nullptr, nva.data(), nva.size(), nullptr);
}

void H2Session::submit_response(int32_t stream, const ResponseHead& head, bool end_stream) {
  Stream* st = find(stream);
  if (!st || !st->delivered || st->response_submitted) return;
  st->response_submitted = true;
  if (end_stream) {
    st->ended = true;
    st->out = {};
    st->out_offset = 0;
  }
  auto fields = h2_response_fields(head);
  auto nva = to_nv(fields);
  // Nothing to send after the head (ended with no bytes buffered): END_STREAM on the HEADERS.
  nghttp2_data_provider provider{};
  provider.read_callback = &Glue::read_data;
  bool body = !(st->ended && st->unsent() == 0);
  int rv = nghttp2_submit_response(session_, stream, nva.data(), nva.size(), body ? &provider : nullptr);
  if (rv != 0) reset_quietly(stream, NGHTTP2_INTERNAL_ERROR);
}

void H2Session::resume(Stream& st) {
  if (!st.deferred || !st.response_submitted) return;
  st.deferred = false;
  nghttp2_session_resume_data(session_, st.id);
}

void H2Session::submit_data(int32_t stream, std::string_view data) {
  Stream* st = find(stream);
  if (!st || !st->delivered || st->ended || data.empty()) return;
  st->out.append(data);
  resume(*st);
}

void H2Session::submit_end(int32_t stream) {
  Stream* st = find(stream);
  if (!st || !st->delivered || st->ended) return;
  st->ended = true;
  resume(*st);
}

size_t H2Session::buffered(int32_t stream) const {
  const Stream* st = find(stream);
  return st ? st->unsent() : 0;
}

void H2Session::reset(int32_t stream, uint32_t code) {
  Stream* st = find(stream);
  if (!st || !st->delivered) return;
  st->ended = true;
  st->out = {};
  st->out_offset = 0;
  reset_quietly(stream, code);
}

void H2Session::shutdown_graceful() {
  if (goaway_last_stream_ >= 0 || fatal_) return;
  goaway_last_stream_ = nghttp2_session_get_last_proc_stream_id(session_);
  nghttp2_submit_goaway(session_, NGHTTP2_FLAG_NONE, goaway_last_stream_, NGHTTP2_NO_ERROR, nullptr, 0);
}

bool H2Session::wants_close() const {
  return fatal_ ||
         (pending_.empty() && !nghttp2_session_want_read(session_) && !nghttp2_session_want_write(session_));
}

void H2Session::pump(std::string& out, size_t cap) {
  size_t produced = 0;
  for (int rounds = 0; rounds < 64; ++rounds) {
    for (;;) {
      const uint8_t* frame = nullptr;
      ssize_t n = nghttp2_session_mem_send(session_, &frame);
      if (n < 0) {
        if (!fatal_) {
          fatal_ = true;
          error_ = std::string("HTTP/2: ") + nghttp2_strerror(int(n));
        }
        return;
      }
      if (n == 0) break;
      out.append(reinterpret_cast<const char*>(frame), size_t(n));
      produced += size_t(n);
      if (produced >= cap) return;  // the writable list is kept for the next pump
    }
    if (writable_.empty()) return;
    // Outside nghttp2's frame: a producer may submit more, which the next round sends.
    std::vector<int32_t> ready;
    ready.swap(writable_);
    try {
      for (int32_t id : ready)
        if (Stream* st = find(id); st && st->delivered && st->unsent() < limits_.low_water) handler_.on_writable(id);
    } catch (const std::exception& e) {
      fail(NGHTTP2_INTERNAL_ERROR, std::string("HTTP/2 handler failed: ") + e.what());
    } catch (...) {
      fail(NGHTTP2_INTERNAL_ERROR, "HTTP/2 handler failed");
    }
  }
}

void H2Session::take_output(std::string& out) {
  if (!pending_.empty()) {
    out += pending_;
    pending_.clear();
  }
  pump(out, SIZE_MAX);
}

bool H2Session::has_output() const { return !pending_.empty() || nghttp2_session_want_write(session_); }

}  // namespace pogo::server
