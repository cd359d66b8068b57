// The request parser: llhttp driven one request at a time. feed() stops when a request's head is
// complete (so routing can decide where the body goes before any body byte is parsed) and when
// the message is complete (so a pipelined next request waits for this response). It enforces
// the header size limit and turns every protocol fault into a status (400, 431, 505) and reason:
// among them the ones llhttp's lenient build lets through — a chunk's data not followed by CRLF,
// overlong chunk extensions (chunk_framing.h) — and a Host header Caddy would refuse
// (host_header.h: a byte outside the host syntax, two Host headers, none on HTTP/1.1).
// Trailers after a chunked body are bounded by the same size limit as the head.
//
// Threads: one loop thread (the owning connection's). Pure: no I/O.
#pragma once

#include <llhttp.h>

#include <cstddef>
#include <cstdint>

#include "server/chunk_framing.h"
#include "server/exchange.h"

namespace pogo::server {

class RequestParser {
 public:
  class BodySink {
   public:
    virtual ~BodySink() = default;
    virtual void on_body(const char* data, size_t n) = 0;
  };

  struct Step {
    enum Kind { NeedMore, Head, Complete, Error } kind = NeedMore;
    size_t consumed = 0;       // bytes of the input used by this step
    int status = 0;            // Error: the response status
    const char* reason = "";   // Error: for the log line
  };

  explicit RequestParser(size_t max_header_size);
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  void set_body_sink(BodySink* sink) { sink_ = sink; }

  // Parses from `data`; returns at the first event (or when all input is used).
  Step feed(const char* data, size_t len);

  // Where requests are parsed: the caller's head from now on (a stream's, which then takes the
  // request without moving it), else the parser's own. It must outlive the parser's use of it.
  // Each request starts by clearing it, keeping its buffers (the header lines' strings too, by
  // position): a warm keep-alive request allocates nothing here.
  void parse_into(RequestHead& head) { head_ = &head; }
  // After Head, until the next request begins. Mutable: routing rewrites it.
  RequestHead& head() { return *head_; }
  bool keep_alive() const { return keep_alive_; }
  bool expects_continue() const { return expect_continue_; }
  bool chunked() const { return chunked_; }
  // True when bytes of a request were seen and its message is not complete yet.
  bool mid_request() const { return started_ && !complete_; }
  bool head_done() const { return head_done_; }
  uint64_t body_bytes() const { return body_bytes_; }

 private:
  static int on_message_begin(llhttp_t* p);
  static int on_url(llhttp_t* p, const char* at, size_t n);
  static int on_header_field(llhttp_t* p, const char* at, size_t n);
  static int on_header_value(llhttp_t* p, const char* at, size_t n);
  static int on_header_value_complete(llhttp_t* p);
  static int on_headers_complete(llhttp_t* p);
  static int on_body(llhttp_t* p, const char* at, size_t n);
  static int on_message_complete(llhttp_t* p);
  static int on_chunk_extension(llhttp_t* p, const char* at, size_t n);
  static int on_chunk_extension_end(llhttp_t* p);
  static int on_chunk_header(llhttp_t* p);
  static int fail(llhttp_t* p, const char* reason, int status = 400);
  static const llhttp_settings_t& settings();

  Step validate_head();

  llhttp_t parser_{};
  size_t max_header_size_;
  BodySink* sink_ = nullptr;
  RequestHead own_;
  RequestHead* head_ = &own_;
  std::vector<Header> lines_;  // the last request's header lines: their strings serve the next ones
  void prepare_line();
  std::string field_, value_;
  bool in_value_ = false;
  size_t head_bytes_ = 0;
  uint64_t body_bytes_ = 0;
  size_t trailer_bytes_ = 0;
  int callback_status_ = 0;  // set when a callback refused the input, with its reason
  const char* callback_reason_ = "";
  ChunkFraming chunks_;
  bool started_ = false, head_done_ = false, complete_ = false;
  bool paused_ = false;
  bool keep_alive_ = true, expect_continue_ = false, chunked_ = false;
};

}  // namespace pogo::server
