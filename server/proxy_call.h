// A ProxyCall is one request's trip through a reverse_proxy, run on its loop thread without
// blocking: it picks an upstream, takes an idle keep-alive connection from the loop's pool (or
// dials one), sends the head, streams the request body as the client sends it and streams the
// response back as the upstream sends it, each way with backpressure: the client is paused while
// kUploadQueue bytes wait for the upstream, the upstream is not read while the client is behind
// (the sink says so), so neither a large upload nor a large download is ever held whole.
// Failures become Caddy's statuses: 502 (unreachable, refused, a broken response), 504 (dial or
// response header timeout), 503 (no upstream available), each with a log line. Upstreams are
// chosen by the lb_policy among those the health checks let through; a failed try is retried on
// another as lb_retries / lb_try_duration allow, when nothing of the request can have been taken
// (a dial error, or a GET that sent no body), and counts against the upstream (fail_duration).
//
// A request asking to switch protocols (a WebSocket handshake over HTTP/1.1) goes up with its
// Upgrade field; a 101 answer turns the call into a byte tunnel both ways, with the same
// backpressure, until either side closes.
//
// Threads: the request's loop thread only. The stream owns it and must not destroy it inside
// one of the sink's calls (it retires it and frees it later).
#pragma once

#include <uv.h>

#include <chrono>
#include <string>
#include <string_view>

#include "server/exchange.h"
#include "server/loop.h"
#include "server/proxy.h"
#include "server/upstream_conn.h"

namespace pogo::server {

class HttpLoop;

class ProxyCall final : private UpstreamConn::Client {
 public:
  // What the call reports to: the stream.
  class Sink {
   public:
    virtual void proxy_interim(ResponseHead& head) = 0;
    virtual void proxy_head(ResponseHead& head) = 0;
    // The upstream switched protocols (101) as the client asked: the head to pass on; then
    // proxy_data() carries the upstream's bytes as they are and push_body() takes the client's,
    // until proxy_end() (the upstream closed) or abort().
    virtual void proxy_upgrade(ResponseHead& head) = 0;
    // Body bytes. Returns true when the client is behind: the upstream is not read again until
    // output_ready().
    virtual bool proxy_data(std::string_view data) = 0;
    virtual void proxy_flush() = 0;  // the bytes of one upstream read were handed over
    virtual void proxy_end() = 0;
    // No (complete) response can come: `status` 502 or 504 when no head was passed on yet.
    virtual void proxy_failed(int status, const std::string& message) = 0;
    virtual void proxy_body_wanted() = 0;  // the upstream caught up with the request body

   protected:
    ~Sink() = default;
  };

  static constexpr size_t kUploadQueue = 256 << 10;  // request bytes waiting for the upstream

  // `head` (the stream's) outlives the call.
  ProxyCall(HttpLoop& loop, Sink& sink, ToProxy p, const RequestHead& head);
  ~ProxyCall();
  ProxyCall(const ProxyCall&) = delete;
  ProxyCall& operator=(const ProxyCall&) = delete;

  void start();
  // Request body bytes from the client. False: stop reading the client until the sink's
  // proxy_body_wanted().
  bool push_body(const char* data, size_t n);
  void end_body(bool complete);
  bool body_wants_more() const { return !body_paused_; }
  // The client took what was queued: read the upstream again.
  void output_ready();
  // Nothing more is wanted (the client left, an error replaced the response): the upstream
  // connection is closed, no sink call follows.
  void abort();

 private:
  // UpstreamConn::Client
  void upstream_connected() override;
  void upstream_failed(const std::string& what, bool timeout) override;
  void upstream_interim(ResponseHead& head) override;
  void upstream_head(ResponseHead& head) override;
  void upstream_upgraded(ResponseHead& head) override;
  void upstream_data(std::string_view data) override;
  void upstream_complete() override;
  void upstream_drained() override;
  void upstream_read_done() override;

  // An available upstream by the policy, or npos.
  size_t pick_upstream() const;
  // Chooses an upstream and sends the request to it; false when none is available.
  bool try_upstream();
  void send_request(bool fresh);
  // After a failed try: another one (now or after lb_try_interval) when the settings and the
  // request allow it, else the failure goes to the sink.
  void retry_or_fail(int status, const std::string& what, bool dial_error);
  void release_upstream();  // the current try is over (least_conn's count)
  void arm_header_timer();
  void fail(int status, const std::string& what);

  HttpLoop& hl_;
  Sink& sink_;
  ToProxy p_;
  const RequestHead& head_;
  const UpstreamAddress* upstream_ = nullptr;
  size_t index_ = 0;             // of upstream_ in the settings
  bool counted_ = false;         // index_'s in_flight counts this call
  int tries_ = 0;
  std::chrono::steady_clock::time_point started_;
  bool trusted_ = false;
  UpstreamConn* conn_ = nullptr;
  UvHandle<uv_timer_t> timer_;  // response_header_timeout
  bool chunked_ = false;        // the request body goes chunked
  bool reused_ = false;         // conn_ came from the pool
  bool body_started_ = false;   // request body bytes went to the upstream
  bool body_ended_ = false;
  bool body_complete_ = false;
  bool body_paused_ = false;
  bool got_head_ = false;
  std::string upgrade_;  // the protocol the client asks to switch to ("": none)
  bool tunnel_ = false;  // switched: bytes pass as they are
  bool done_ = false;  // complete, failed or aborted: no more sink calls
};

}  // namespace pogo::server
