// A Connection is one accepted TCP connection: its Transport (TCP, TLS), its timeouts and its
// closing sequence, and the protocol spoken on it. HTTP/1.x is parsed here, one request at a
// time (pipelined bytes wait, buffered, until the current response is fully queued), each request
// a Stream that routes and responds; the connection owns the keep-alive decision and the
// limits; a WebSocket handshake that reverse_proxy's upstream accepts turns the connection into
// a byte tunnel until either side closes. HTTP/2 (ALPN "h2", or the cleartext preface where h2c is enabled) hands the connection
// to an Http2Codec, which runs many Streams at once. A request body bound for a backend is
// received whole before the backend gets the exchange (unless the route streams it), so a slow
// client never holds a PHP thread. Its memory is freed only after its socket and timer handles
// are closed and no file read is in flight.
//
// Threads: the owning HttpLoop's loop thread only. The only cross-thread entry is the Exchange's
// wake function, which posts the stream's on_exchange_wake() through the loop's mailbox.
#pragma once

#include <uv.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "server/exchange.h"
#include "server/file_reader.h"
#include "server/loop.h"
#include "server/request.h"
#include "server/request_parser.h"
#include "server/response_writer.h"
#include "server/router.h"
#include "server/stream.h"
#include "server/transport.h"

namespace pogo::server {

class HttpLoop;
struct ListenerSites;

class Http2Codec;

class Connection final : private RequestParser::BodySink, private Transport::Owner, private StreamHost {
 public:
  // `listener` (the sites, TLS or not) outlives the connection; `router` routes its requests.
  Connection(HttpLoop& loop, uint64_t id, const ListenerSites& listener, const Router& router);
  ~Connection() override;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Takes the accepted socket `fd` and starts reading. On failure the connection closes itself
  // (and the socket).
  void start(int fd);
  // Server shutdown: close now when idle, else after the current response (HTTP/2: GOAWAY,
  // then close once the open streams are done). When the loop drains with a last call
  // (HttpLoop::drain), an idle HTTP/1 connection may bring one more request first.
  void drain();
  // Grace period over: abort the exchange and close now.
  void kill();

 private:
  friend class Http2Codec;
  enum class Phase { Idle, Head, Active };

  // the transport's events
  void on_transport_data(const char* data, size_t n) override;
  void on_transport_eof() override;
  void on_transport_lost() override;
  void on_transport_written() override;
  void on_transport_secure() override;

  // HTTP/2: from the first bytes on (`initial` are already received plaintext).
  void start_http2(std::string_view initial);

  // reading and parsing
  void start_reading();
  void stop_reading();
  size_t parse(const char* data, size_t len);
  void parse_pending();
  bool can_parse() const;
  void on_body(const char* data, size_t n) override;
  void on_head();
  void on_request_complete();
  void fill_connection_facts(RequestHead& h) const;
  void respond_error(int status, const char* reason, bool log_it);
  void finish_request();

  // the stream's output, in HTTP/1.1
  Framing stream_head(Stream& s, const ResponseHead& head, std::optional<uint64_t> length) override;
  void stream_interim(Stream& s, const ResponseHead& head) override;
  bool stream_upgrade(Stream& s, const ResponseHead& head) override;
  void stream_continue(Stream& s) override;
  void stream_body(Stream& s, std::string_view data) override;
  void stream_file_data(Stream& s, std::string_view data) override;
  int64_t stream_sendfile(Stream& s, int fd, uint64_t offset, uint64_t length) override;
  void stream_end(Stream& s) override;
  void stream_flush(Stream& s, size_t credit) override;
  bool stream_blocked(const Stream& s) const override;
  bool stream_should_flush(const Stream& s) const override;
  void stream_done(Stream& s) override;
  void stream_failed(Stream& s) override;
  void stream_rejecting(Stream& s) override;
  void stream_body_unused(Stream& s) override;
  void stream_body_wanted(Stream& s) override;
  void stream_io_begin() override;
  void stream_io_end() override;

  // writing
  // Writes out_ (and `ext`, copied if it cannot be written at once); `credit` exchange bytes of
  // `ex` are in it.
  void flush(const char* ext = nullptr, size_t ext_len = 0, const std::shared_ptr<Exchange>& ex = nullptr,
             size_t credit = 0);
  void after_write();

  // timeouts and closing
  void set_deadline(uint64_t& slot, std::chrono::milliseconds d);
  void arm_timer();
  static void on_timer(uv_timer_t* t);
  void close_after_flush();
  void last_call();  // idle for at most HttpLoop::kLastCall more
  void start_shutdown();
  void close_now();
  void release_op();

  HttpLoop& hl_;
  const uint64_t id_;
  const Router& router_;
  const ListenerSites& listener_;
  Transport transport_;
  UvHandle<uv_timer_t> timer_;
  uint64_t timer_due_ = 0;  // when timer_ fires (loop time), 0: not armed
  std::string remote_ip_, local_ip_;
  uint16_t remote_port_ = 0, local_port_ = 0;

  RequestParser parser_;
  Stream stream_;                 // HTTP/1: the current request
  std::unique_ptr<Http2Codec> h2_;  // HTTP/2: everything past the transport
  std::string pending_;  // received, not yet parsed bytes
  Phase phase_ = Phase::Idle;
  bool tunnel_ = false;     // a proxied upgrade (WebSocket): bytes go to the stream unparsed
  bool h2c_probe_ = false;  // h2c allowed and no request yet: the first bytes may be the preface
  bool in_parse_ = false;
  bool request_complete_ = false;
  bool request_has_body_ = false;
  bool shutdown_started_ = false;
  bool body_paused_ = false;
  int body_error_ = 0;  // a limit hit inside on_body, handled after the parser returns
  const char* body_error_reason_ = "";
  bool peer_eof_ = false;
  bool keep_alive_ = true;
  std::chrono::steady_clock::time_point started_at_;  // the current request's first byte

  // output
  std::string out_;

  // deadlines in uv_now() milliseconds; 0 = unset
  // (body_idle_ and write_idle_ measure inactivity: they move on with every byte received or sent)
  uint64_t idle_deadline_ = 0, header_deadline_ = 0, body_deadline_ = 0, write_deadline_ = 0,
           linger_deadline_ = 0, body_idle_deadline_ = 0, write_idle_deadline_ = 0;

  bool closing_ = false;   // no more requests; closing after the flush
  bool closed_ = false;    // handles are closing
  int pending_ops_ = 0;    // handles not yet closed + file reads in flight
};

}  // namespace pogo::server
