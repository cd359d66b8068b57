// A Connection is one accepted TCP connection speaking HTTP/1.x: it parses requests one at a
// time (pipelined bytes wait, buffered, until the current response is fully queued), routes
// each through the site, and writes the response — a direct one (errors, redirects), a static
// file streamed in chunks, or a backend's Exchange drained as its producer pushes events. A
// request body bound for a backend is received whole before the backend gets the exchange (unless
// the route streams it), so a slow client never holds a PHP thread. It
// owns the keep-alive decision, the timeouts, and the limits. Its memory is freed only after
// its socket and timer handles are closed and no file read is in flight.
//
// Threads: the owning HttpLoop's loop thread only. The only cross-thread entry is the Exchange's
// wake function, which posts on_exchange_wake() through the loop's mailbox.
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
#include "server/request_parser.h"
#include "server/response_writer.h"
#include "server/routes/encode.h"
#include "server/routes/request.h"
#include "server/site.h"
#include "server/transport.h"

namespace pogo::server {

class HttpLoop;
struct ListenerSites;

class Connection final : private RequestParser::BodySink, private Transport::Owner {
 public:
  // `listener` (the sites, TLS or not) outlives the connection; `sites` is its table.
  Connection(HttpLoop& loop, uint64_t id, const ListenerSites& listener, const SiteTable& sites);
  ~Connection() override;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Takes the accepted socket `fd` and starts reading. On failure the connection closes itself
  // (and the socket).
  void start(int fd);
  // The current exchange has events or wants more body.
  void on_exchange_wake();
  // Server shutdown: close now when idle, else after the current response.
  void drain();
  // Grace period over: abort the exchange and close now.
  void kill();

 private:
  enum class Phase { Idle, Head, Active };

  // the transport's events
  void on_transport_data(const char* data, size_t n) override;
  void on_transport_eof() override;
  void on_transport_lost() override;
  void on_transport_written() override;

  // reading and parsing
  void start_reading();
  void stop_reading();
  size_t parse(const char* data, size_t len);
  void parse_pending();
  bool can_parse() const;
  void on_body(const char* data, size_t n) override;
  void on_head();
  void on_request_complete();

  // responses
  void respond(Respond r);
  void respond_error(int status, const char* reason, bool log_it);
  void serve_file(ServeFile f);
  void pump_file();
  // The route's response filters on a response head: header operations, then the encoding
  // decision (which drops Content-Length and sets enc_). True when the body is encoded.
  bool filter_head(ResponseHead& head, std::optional<uint64_t> length);
  // Appends body bytes to out_ in the current framing.
  void append_body(std::string_view data);
  // The encoder's tail and the chunked terminator.
  void finish_body();
  // A backend's final head: filtered, serialized. `length` from its Content-Length.
  void start_backend_response(ResponseHead& head, std::optional<uint64_t> length);
  // encode's minimum length on a stream of unknown length: the head waits until enough body
  // arrived (then encoded) or the body ended short (then sent as is, with its length).
  bool should_defer_head(const ResponseHead& head, std::optional<uint64_t> length) const;
  void commit_deferred_head(bool ended);
  void start_exchange(Backend* backend, bool stream_body);
  // Gives the exchange to its backend (at once, or once a buffered body is complete).
  void hand_over(Backend* backend);
  // Works through events_ in order. A Spooled event is read back a piece at a time, only while
  // the socket keeps up: the rest waits for after_write().
  void drain_events();
  void handle_event(Exchange::Event& ev);
  // Response body bytes from the backend, in the current framing and encoding.
  void on_response_data(std::string_view data);
  void response_complete();
  void finish_request();
  void log_access();
  RequestFacts facts() const;
  const RequestHead& current_head() const;

  // writing
  // Writes out_ (and `ext`, copied if it cannot be written at once), with the exchange credit.
  void flush(const char* ext = nullptr, size_t ext_len = 0);
  void after_write();

  // timeouts and closing
  void set_deadline(uint64_t& slot, std::chrono::milliseconds d);
  void arm_timer();
  static void on_timer(uv_timer_t* t);
  void close_after_flush();
  void start_shutdown();
  void close_now();
  void release_op();

  HttpLoop& hl_;
  const uint64_t id_;
  const SiteTable& sites_;
  const ListenerSites& listener_;
  Transport transport_;
  UvHandle<uv_timer_t> timer_;
  std::string remote_ip_, local_ip_;
  uint16_t remote_port_ = 0, local_port_ = 0;

  RequestParser parser_;
  std::string pending_;  // received, not yet parsed bytes
  Phase phase_ = Phase::Idle;
  bool in_parse_ = false;
  bool request_complete_ = false;
  bool request_has_body_ = false;
  bool shutdown_started_ = false;
  bool body_paused_ = false;
  int body_error_ = 0;  // a limit hit inside on_body, handled after the parser returns
  bool peer_eof_ = false;
  bool keep_alive_ = true;
  std::chrono::steady_clock::time_point started_at_;

  // response state
  bool response_started_ = false;  // a final head is queued
  bool response_done_ = false;
  int status_ = 0;
  uint64_t body_sent_ = 0;
  Framing framing_;
  uint64_t length_left_ = 0;
  std::shared_ptr<Exchange> ex_;
  std::deque<Exchange::Event> events_;
  std::unique_ptr<FileReader> file_;
  ResponseFilters filters_;                  // from the route of the current request
  std::optional<uint64_t> request_max_body_;  // request_body max_size
  bool request_stream_body_ = false;          // request_body buffer off
  Backend* pending_backend_ = nullptr;        // takes ex_ once its buffered body is complete
  const char* body_error_reason_ = "";
  std::unique_ptr<Compressor> enc_;           // encode: the current response's body encoder
  std::vector<Header> resp_headers_;          // for the access log
  bool deferring_ = false;                    // a backend head held back (should_defer_head)
  ResponseHead deferred_head_;
  std::string deferred_body_;

  // output
  std::string out_;
  size_t ex_credit_ = 0;  // exchange data bytes in out_ not yet reported written

  // deadlines in uv_now() milliseconds; 0 = unset
  // (body_idle_ and write_idle_ measure inactivity: they move on with every byte received or sent)
  uint64_t idle_deadline_ = 0, header_deadline_ = 0, body_deadline_ = 0, write_deadline_ = 0,
           linger_deadline_ = 0, body_idle_deadline_ = 0, write_idle_deadline_ = 0;

  bool closing_ = false;   // no more requests; closing after the flush
  bool closed_ = false;    // handles are closing
  int pending_ops_ = 0;    // handles not yet closed + file reads in flight
};

}  // namespace pogo::server
