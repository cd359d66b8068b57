// A Stream is one request and its response, whatever the protocol around it: it routes the
// request head through the listener's Router (server/router.h) and produces the response — a direct one (errors, redirects,
// `respond`), a static file read chunk by chunk, or a backend's Exchange drained event by event —
// through the route's response filters (header operations, encode, vulcain) and writes its access-log
// line. How the bytes travel is the StreamHost's business: HTTP/1.1 serializes them onto the
// connection (one stream at a time), HTTP/2 turns them into frames of one stream among many.
//
// The request body reaches the stream through push_body()/end_body(); the host decides when to
// read more (HTTP/1 pauses the socket, HTTP/2 holds the stream's window).
//
// Threads: the owning connection's loop thread only. The Exchange's wake function is the only
// cross-thread entry: it posts on_exchange_wake() through the loop's mailbox, guarded by a link
// that the stream's destruction clears.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "metrics/http.h"
#include "server/compress.h"
#include "server/exchange.h"
#include "server/file_reader.h"
#include "server/proxy_call.h"
#include "server/request.h"
#include "server/response_writer.h"
#include "server/router.h"

namespace pogo::tls {
class Challenges;
}

namespace pogo::server {

class HttpLoop;
class Stream;

// The protocol side of a stream. Called by the stream only, on the loop thread; none of these
// may destroy the stream while it runs (hosts retire streams and free them later).
class StreamHost {
 public:
  virtual ~StreamHost() = default;
  // The final head. Returns the body framing: None (no body follows), Length (exactly
  // framing.length bytes), Chunked or UntilClose (the body runs until stream_end()).
  virtual Framing stream_head(Stream& s, const ResponseHead& head, std::optional<uint64_t> length) = 0;
  virtual void stream_interim(Stream& s, const ResponseHead& head) = 0;  // 1xx (not 100)
  // A 101 the proxy passes on: the head goes out, then the connection is a tunnel (the client's
  // bytes go to tunnel_data(), the upstream's come as body with framing UntilClose). False when
  // this protocol cannot switch (HTTP/2).
  virtual bool stream_upgrade(Stream&, const ResponseHead&) { return false; }
  virtual void stream_continue(Stream& s) = 0;                          // the client awaits 100
  // Body bytes, already encoded and cut to the framing's length; stream_file_data() may write
  // them without a copy (a file chunk, valid only during the call).
  virtual void stream_body(Stream& s, std::string_view data) = 0;
  virtual void stream_file_data(Stream& s, std::string_view data) = 0;
  // Sends up to `length` bytes of `fd` from `offset` straight from the page cache to the socket
  // (sendfile), after what is queued. Returns the bytes sent; 0 when the socket is full (the
  // stream sends the next chunk through stream_file_data(), whose queued write waits for it);
  // -1 when the host cannot (TLS, HTTP/2, chunked framing, a write in flight).
  virtual int64_t stream_sendfile(Stream&, int /*fd*/, uint64_t /*offset*/, uint64_t /*length*/) { return -1; }
  virtual void stream_end(Stream& s) = 0;  // after the last body byte (framing Chunked or any encoded body)
  // Sends what was queued. `credit` exchange bytes are in it: report them to the exchange once
  // they left (the producer's backpressure).
  virtual void stream_flush(Stream& s, size_t credit) = 0;
  // The client is behind: read no more file or spool until stream_output_ready().
  virtual bool stream_blocked(const Stream& s) const = 0;
  // Enough is queued to be worth a flush before adding more.
  virtual bool stream_should_flush(const Stream& s) const = 0;
  // The response is complete (its last bytes were flushed).
  virtual void stream_done(Stream& s) = 0;
  // Nothing sensible can be sent any more (a fault after the head): end it abruptly.
  virtual void stream_failed(Stream& s) = 0;
  // A server-made error response is about to replace whatever the request was doing.
  virtual void stream_rejecting(Stream& s) = 0;
  // The route answers without reading the request body the client is sending.
  virtual void stream_body_unused(Stream& s) = 0;
  // The exchange drained its request-body backlog: the host may read the body again.
  virtual void stream_body_wanted(Stream& s) = 0;
  // Deferred work in flight (a file read in the thread pool): the host's memory must stay.
  virtual void stream_io_begin() = 0;
  virtual void stream_io_end() = 0;  // may free the host
};

class Stream final : private ProxyCall::Sink {
 public:
  Stream(HttpLoop& loop, StreamHost& host);
  ~Stream();  // a file read in flight is left to finish on its own
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  // A new request: its complete head (addresses and scheme filled in). `expects_continue`: the
  // client sent Expect: 100-continue.
  // `started`: when its first byte arrived (the access log's duration).
  void begin(RequestHead&& head, bool expects_continue,
             std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now());
  // The same for a head the host parsed straight into next_head(): nothing is moved.
  void begin_in_place(bool expects_continue, std::chrono::steady_clock::time_point started);
  // Where the host may parse the next request's head (HTTP/1's parser): the stream's own, which
  // lives as long as the stream. Only between requests (before begin_in_place(), after reset()).
  RequestHead& next_head() { return head_; }
  // Sanitizes the path, answers ACME HTTP-01 (when `acme` is set), routes through `router` and
  // starts the response. `metrics`: the listener's server's HTTP metrics, or null (option off).
  void route(const Router& router, const tls::Challenges* acme, metrics::HttpServerMetrics* metrics = nullptr);

  // Request body bytes (the host counted nothing). Returns 0, or the status to reject with (413,
  // 500) — the host then calls respond_error() once it is safe.
  int push_body(const char* data, size_t n, bool* paused);
  const char* body_error_reason() const { return body_error_reason_; }
  // After stream_upgrade(): bytes of the client's new protocol, for the upstream. False: read no
  // more until the host's stream_body_wanted().
  bool tunnel_data(const char* data, size_t n);
  // The body ended; `complete` false if cut short.
  void end_body(bool complete);
  uint64_t body_bytes() const { return body_bytes_; }
  bool wants_body() const { return ex_ != nullptr || pending_backend_ != nullptr || proxy_ != nullptr; }
  // The producer of the response (an exchange's backend, a proxy call) paused the request body
  // and can take more now: the host may read it again.
  bool body_wanted();

  // A server-made error (bad request, limit, backend failure); after a started response the host
  // ends the stream abruptly instead.
  void respond_error(int status, const char* reason, bool log_it);
  // The exchange has events or wants more body.
  void on_exchange_wake();
  // `ex` ended and, unless another thread still holds it, gives its head's buffers to spare_head_.
  void keep_head_buffers(std::shared_ptr<Exchange>& ex);
  // The host can take more output (writes completed, window opened).
  void on_output_ready();
  // The client went away: abort the exchange, drop the file.
  void abort();
  // Back to the state before begin() (HTTP/1 keep-alive reuses the stream). `keep_head`: the
  // request's head is left as it is for the host's parser, which clears it when the next request
  // begins and reuses its buffers; else it is cleared now.
  void reset(bool keep_head = false);

  const RequestHead& head() const;
  // The client asked with HEAD: its response has no body, whatever `method` made of the request.
  bool head_request() const { return head_request_; }
  bool active() const { return active_; }
  bool response_started() const { return response_started_; }
  bool response_done() const { return response_done_; }
  // A producer is at work on the response (a backend's exchange, or a proxy call): a client that
  // leaves cancels it.
  bool has_exchange() const { return ex_ != nullptr || (proxy_ != nullptr && !response_done_); }
  const std::shared_ptr<Exchange>& exchange() const { return ex_; }
  int status() const { return status_; }
  const Framing& framing() const { return framing_; }
  bool short_body() const { return short_body_; }  // the backend sent less than its Content-Length
  // The host's per-stream tag (HTTP/2: the stream id).
  int32_t id = 0;

 private:
  struct Link;  // what posted tasks and file reads hold instead of `this`

  void start(Action action);  // carries out what a route decided
  // handle_errors: the routed site's error route for `status` answers in place of whatever was
  // coming (a file, an exchange's output). False when no route handles the status, when this
  // request is already in its error route (errors there are answered plainly, never looped), or
  // once a head went out: the caller then answers as it would without handle_errors.
  bool answer_error(int status, std::string message, std::string trace = {});
  // intercept (stream_intercept.cpp): the response routes of filters_ tried on the head of what
  // answers, innermost first. True when a handle_response route answers in its place (already
  // started; the caller drops `head`); else the response goes on, its status maybe replaced and
  // the routes' header operations added.
  // `length`: the body's, for a head that does not carry it yet (a file's, a direct response's),
  // which the matchers and `{resp.header.Content-Length}` see as Caddy's do.
  bool intercepted(ResponseHead& head, std::optional<uint64_t> length = std::nullopt);
  // Entry `entry` of `routes` (a handle_response) run for `head`. True when its answer replaced the
  // response (the source is stopped, `kept` of filters_.intercepts stay for the answer); false when
  // the response goes on: the routes answered nothing (intercept), or copy_response (reverse_proxy).
  bool answer_response(const ResponseRoutes& routes, int entry, ResponseHead& head, bool from_proxy, size_t kept);
  void respond(Respond r);
  void serve_file(ServeFile f);
  void pump_file();
  void retire_file();  // file_ is done: kept as spare_reader_ (or orphaned while busy)
  static void on_file_ready(void* ctx, FileReader* reader, bool ok);
  // `default_type`: the head's Content-Type is a default (file_server's, respond's) that gives way
  // to one of filters_.base_headers.
  bool filter_head(ResponseHead& head, std::optional<uint64_t> length, bool default_type = false);
  void append_body(std::string_view data);
  void finish_body();
  void send_head(ResponseHead& head, std::optional<uint64_t> length);
  // A backend's head through the route's filters, then out (without its length when encoded).
  void start_response(ResponseHead& head, std::optional<uint64_t> length);
  // A body held whole until now (deferred or vulcain), after start_response: through the encoder.
  void append_held_body(const std::string& body);
  bool should_defer_head(const ResponseHead& head, std::optional<uint64_t> length) const;
  void commit_deferred_head(bool ended);
  // vulcain: a JSON response is held whole (at most vulcain::kMaxBody bytes), transformed once
  // it ended, then sent with its Link headers (after a 103 Early Hints carrying them).
  bool vulcain_wants(const ResponseHead& head, std::optional<uint64_t> length) const;
  void vulcain_transform(ResponseHead& head, std::string& body);
  // Sends the held response: transformed when it `ended`, as it came when it outgrew the bound.
  void vulcain_release(bool ended);
  void start_exchange(Backend* backend, bool stream_body);
  void hand_over(Backend* backend);
  void drain_events();
  void handle_event(Exchange::Event& ev);
  void on_response_data(std::string_view data);
  void flush();
  void response_complete();
  void log_access();
  // Caddy's HTTP metrics (the `metrics` option): the request enters its handler's in-flight gauge
  // once the route picked what answers it, and is observed when the stream resets or goes.
  void count_begin(metrics::HttpHandler handler);
  void count_end();
  void drop_file();
  // Aborts the exchange and drops the file: nothing more comes from them. `let_run`: the exchange's
  // producer is not told the client left (its script runs to its end), its output is dropped.
  void stop_sources(bool let_run = false);
  // reverse_proxy (stream_proxy.cpp): the call runs on this loop, reporting through the Sink.
  void start_proxy(ToProxy p);
  void retire_proxy();  // aborted, and freed once the current call into it has returned
  void proxy_interim(ResponseHead& head) override;
  void proxy_head(ResponseHead& head) override;
  void proxy_upgrade(ResponseHead& head) override;
  bool proxy_data(std::string_view data) override;
  void proxy_flush() override;
  void proxy_end() override;
  void proxy_failed(int status, const std::string& message) override;
  void proxy_body_wanted() override;

  HttpLoop& hl_;
  StreamHost& host_;
  std::shared_ptr<Link> link_;

  RequestHead head_;  // until the exchange takes it
  // A finished exchange's head, emptied, whose buffers (target, path, header list, script paths)
  // the next exchange's request is parsed into: the PHP path allocates none of them per request.
  // Boxed, so that a connection that never reaches PHP (a static file, a Mercure subscriber) pays
  // a pointer for it, not a whole head.
  std::unique_ptr<RequestHead> spare_head_;
  bool spare_ready_ = false;
  bool expects_continue_ = false;
  bool head_request_ = false;
  bool active_ = false;
  bool body_ended_ = false;  // end_body() came
  std::chrono::steady_clock::time_point started_at_;
  uint64_t body_bytes_ = 0;
  const char* body_error_reason_ = "";

  bool response_started_ = false;  // a final head went to the host
  bool response_done_ = false;
  bool short_body_ = false;
  int status_ = 0;
  uint64_t body_sent_ = 0;
  Framing framing_;
  uint64_t length_left_ = 0;
  std::shared_ptr<Exchange> ex_;
  Exchange::EventQueue events_;
  std::unique_ptr<ProxyCall> proxy_;
  const ResponseRoutes* proxy_responses_ = nullptr;  // the proxy's handle_response (routes outlive us)
  std::unique_ptr<FileReader> file_;
  std::unique_ptr<FileReader> spare_reader_;  // the last reader, done: the next file reuses it
  ResponseFilters filters_;                   // from the route
  std::optional<uint64_t> request_max_body_;  // request_body max_size
  bool request_stream_body_ = false;          // request_body buffer off
  Backend* pending_backend_ = nullptr;        // takes ex_ once its buffered body is complete
  std::unique_ptr<Compressor> enc_;           // encode: this response's body encoder
  std::vector<Header> resp_headers_;          // for the access log
  bool deferring_ = false;                    // a backend head held back (should_defer_head)
  ResponseHead deferred_head_;
  std::string deferred_body_;
  bool encode_declined_ = false;              // its first piece was short: sent unencoded (once)
  bool vulcain_holding_ = false;               // a response held for vulcain (vulcain_wants)
  ResponseHead vulcain_head_;
  std::string vulcain_body_;
  size_t ex_credit_ = 0;  // exchange data bytes handed to the host since the last flush
  metrics::HttpServerMetrics* mx_ = nullptr;  // null: metrics off, nothing is counted
  bool mx_begun_ = false;
  bool mx_error_ = false;  // an error response the server made (Caddy's middleware error)
  metrics::HttpHandler mx_handler_ = metrics::HttpHandler::StaticResponse;
  std::chrono::steady_clock::time_point mx_head_at_{};  // the response head went out
  // handle_errors. error_routes_ is set only when the routed site has error routes; the request's
  // root and variables are kept for them then, and for handle_response routes (intercept,
  // reverse_proxy's), never allocated otherwise.
  const ErrorRoutes* error_routes_ = nullptr;  // routers outlive the connections that use them
  bool in_error_route_ = false;
  HttpError error_;
  std::string error_root_;
  std::map<std::string, std::string> error_vars_;
  FileMatchVars file_match_;  // the routed Request's {file_match.*}: capacity kept across requests
  FileMatchVars error_file_match_;
  std::string original_path_;  // the Request's path before rewrites (capacity kept across requests)
};

}  // namespace pogo::server
