// An H2Session is the HTTP/2 protocol of one connection (RFC 9113), server side, over nghttp2:
// bytes in (receive), frames out (take_output), requests and their bodies up to a Handler, the
// handler's responses down into frames. It owns the per-stream state — the request being decoded,
// the response bytes not sent yet, the body bytes the application has not consumed — and frees
// it when the stream closes.
//
// Flow control is the backpressure: a stream's receive window reopens only as the application
// consume()s body bytes, so a client cannot send more than `initial_window` unconsumed bytes a
// stream (nor `connection_window` for all of them); a response leaves its buffer only as the
// client's windows allow, and buffered() tells the connection when to pause its producer.
//
// What reaches the handler is a valid request: nghttp2 checks frames, header syntax, pseudo-headers
// and Content-Length against the DATA received, and resets the streams that break them. This class
// adds: a header list past `max_header_list_size` is answered 431 (like HTTP/1), CONNECT is reset
// REFUSED_STREAM (Pogo is no proxy), a bad Host is reset PROTOCOL_ERROR, and a rapid-reset cap
// (CVE-2023-44487): more than `max_resets_per_window` stream resets caused by the client — its
// RST_STREAMs and the resets its malformed streams earn — in `reset_window_ms` end the connection
// with GOAWAY ENHANCE_YOUR_CALM. Header blocks the decoder will not read at all end the
// connection: more CONTINUATION frames than a list of `max_header_list_size` needs (16 KiB
// frames, at least 8: CVE-2024-28182) and, nghttp2's own limit, a string literal over 64 KiB
// encoded. A client that opens more streams than the SETTINGS it acknowledged allow is a
// connection error too (nghttp2's choice; before its acknowledgement the extra stream is refused).
//
// Threads: one loop thread (the owning connection's). Pure: no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "server/exchange.h"

struct nghttp2_session;

namespace pogo::server {

class H2Session {
 public:
  struct Limits {
    uint32_t max_concurrent_streams = 250;    // Go/Caddy default
    uint32_t max_header_list_size = 1 << 20;  // the server's max_header_size option
    uint32_t initial_window = 1 << 20;        // per stream: body bytes the client may send unconsumed
    uint32_t connection_window = 4 << 20;     // the same for all streams together
    uint32_t max_resets_per_window = 200;     // rapid-reset cap ...
    uint32_t reset_window_ms = 1000;          // ... over this fixed window
    uint32_t low_water = 64 << 10;            // on_writable once a stream's buffer drops below this
  };

  // The connection. Called from inside receive() and take_output(); it may call back into the
  // session (submit_*, reset, consume) but must not destroy it there.
  class Handler {
   public:
    virtual ~Handler() = default;
    // A complete, valid head. has_body is false when END_STREAM came with the headers (or
    // content-length is 0); then no on_body/on_body_end follow.
    virtual void on_request(int32_t stream, RequestHead head) = 0;
    // Body bytes; they hold the stream's receive window until consume().
    virtual void on_body(int32_t stream, const char* data, size_t n) = 0;
    virtual void on_body_end(int32_t stream) = 0;
    // The stream is gone (response sent, or reset by either side): the last call for it. Only
    // for streams that reached on_request.
    virtual void on_stream_closed(int32_t stream, uint32_t error_code) = 0;
    // The stream's unsent response bytes dropped below Limits::low_water: a producer may resume.
    virtual void on_writable(int32_t stream) {}
  };

  // A monotonic clock in milliseconds, replaceable for tests of the reset window.
  using Clock = uint64_t (*)();

  // Queues the server's SETTINGS and the connection window's WINDOW_UPDATE.
  H2Session(Handler& handler, Limits limits, bool tls, Clock clock = nullptr);
  ~H2Session();
  H2Session(const H2Session&) = delete;
  H2Session& operator=(const H2Session&) = delete;

  // Bytes from the transport (after TLS), the client's connection preface included. false: a
  // connection error; a GOAWAY waits in the output, the caller flushes it and closes. error() says
  // why. Frames this produces (up to 64 KiB a call) wait in the output as well.
  bool receive(const char* data, size_t n);

  // The application took n body bytes of the stream: its windows reopen (WINDOW_UPDATE once half
  // a window is consumed, as nghttp2 decides).
  void consume(int32_t stream, size_t n);

  // Responses. Calls for a stream that is closed, or that was never delivered, are ignored.
  void submit_interim(int32_t stream, const ResponseHead& head);  // 1xx (not 101), before the response
  // Strips connection-specific fields, lower-cases names. end_stream: no body (HEADERS carries END_STREAM).
  void submit_response(int32_t stream, const ResponseHead& head, bool end_stream);
  void submit_data(int32_t stream, std::string_view data);  // buffered; sent as flow control allows
  void submit_end(int32_t stream);
  size_t buffered(int32_t stream) const;  // unsent response bytes of the stream
  // RST_STREAM with `code` (an RFC 9113 error code); the buffered response is dropped.
  // on_stream_closed follows once it is sent. Not counted against the rapid-reset cap.
  void reset(int32_t stream, uint32_t code);

  // GOAWAY(NO_ERROR) naming the last stream accepted: later streams are refused, open ones finish.
  void shutdown_graceful();
  // Nothing left to do: a GOAWAY was sent or received and no stream is open, or a connection
  // error. The caller writes what take_output() gives, then closes.
  bool wants_close() const;

  // Appends the frames ready to go (bounded by the client's flow-control windows).
  void take_output(std::string& out);
  // Frames may be ready. It can be true while take_output() yields nothing: a response blocked
  // by a stream window with the connection window open.
  bool has_output() const;
  const std::string& error() const { return error_; }
  size_t open_streams() const { return streams_.size(); }

 private:
  struct Stream;
  struct Glue;  // the nghttp2 callbacks

  Stream* find(int32_t id) const;
  void pump(std::string& out, size_t cap);
  void fail(uint32_t code, std::string why);
  void count_reset();
  void settle(Stream& s, bool end_stream);
  void reset_quietly(int32_t stream, uint32_t code);
  void resume(Stream& s);

  Handler& handler_;
  const Limits limits_;
  const bool tls_;
  const Clock clock_;
  nghttp2_session* session_ = nullptr;
  std::unordered_map<int32_t, std::unique_ptr<Stream>> streams_;
  std::unordered_set<int32_t> quiet_resets_;  // resets that are not the client's doing
  std::vector<int32_t> writable_;             // streams to tell on_writable after the pump
  std::string pending_;                       // frames produced inside receive()
  std::string error_;
  std::string last_library_error_;
  bool fatal_ = false;
  int32_t goaway_last_stream_ = -1;  // set by shutdown_graceful()
  uint64_t reset_window_start_ = 0;
  uint32_t resets_in_window_ = 0;
};

}  // namespace pogo::server
