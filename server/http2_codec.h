// An Http2Codec is what a Connection becomes once it speaks HTTP/2 (ALPN "h2", or h2c's preface):
// the H2Session turns bytes into requests and responses into frames; each request is a Stream
// (the same routing and handlers as HTTP/1.1) whose output goes into its HTTP/2 stream.
//
// Backpressure both ways: a stream's request body is consume()d (its window reopened) only as its
// exchange takes it; frames go to the transport only while it keeps up, so a slow client leaves
// response bytes in the session's per-stream buffers, and a stream with more than the low-water
// mark buffered reads no more file or spool, and reports its exchange bytes written (the PHP
// producer's credit) only once they left that buffer.
//
// Streams are never freed inside a call that may come from one of their own methods: closed ones
// wait in a retired list, freed at the next transport event.
//
// Threads: the connection's loop thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "server/h2_session.h"
#include "server/stream.h"

namespace pogo::server {

class Connection;

class Http2Codec final : private H2Session::Handler, private StreamHost {
 public:
  Http2Codec(Connection& connection, bool tls);
  ~Http2Codec() override;
  Http2Codec(const Http2Codec&) = delete;
  Http2Codec& operator=(const Http2Codec&) = delete;

  // Plaintext bytes from the client (the preface included).
  void receive(const char* data, size_t n);
  // The transport's write queue drained: more frames may go.
  void on_written();
  // Graceful shutdown: GOAWAY; the connection closes once the open streams are done.
  void drain();
  // The connection is closing: every stream's exchange is aborted.
  void abort_all();
  bool has_exchanges() const;

 private:
  // H2Session::Handler
  void on_request(int32_t id, RequestHead head) override;
  void on_body(int32_t id, const char* data, size_t n) override;
  void on_body_end(int32_t id) override;
  void on_stream_closed(int32_t id, uint32_t error_code) override;
  void on_writable(int32_t id) override;

  // StreamHost
  Framing stream_head(Stream& s, const ResponseHead& head, std::optional<uint64_t> length) override;
  void stream_interim(Stream& s, const ResponseHead& head) override;
  void stream_continue(Stream& s) override;
  void stream_body(Stream& s, std::string_view data) override;
  void stream_file_data(Stream& s, std::string_view data) override;
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

  Stream* find(int32_t id) const;
  // Frames to the transport while it keeps up; then the credits, and the end of the connection.
  void send();
  void settle_credits();
  void reap();

  Connection& c_;
  H2Session::Limits limits_;
  H2Session session_;
  std::unordered_map<int32_t, std::unique_ptr<Stream>> streams_;
  std::unordered_map<int32_t, size_t> credit_;  // exchange bytes in the session's buffer, not reported
  std::unordered_map<int32_t, size_t> held_;    // body bytes not consumed: the exchange was full
  std::vector<std::unique_ptr<Stream>> retired_;
  bool sending_ = false;
  bool receiving_ = false;  // inside receive(): send() waits for its end
  bool draining_ = false;
};

}  // namespace pogo::server
