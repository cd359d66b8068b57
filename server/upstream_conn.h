// An UpstreamConn is one client connection from a loop to a reverse_proxy upstream (HTTP/1.1 in
// plaintext or over TLS, or a tunnel once a WebSocket upgrade succeeded): it dials (names resolved in libuv's pool, never on the loop), writes request bytes
// (uv_try_write first, a queued write for the rest: queued() is what the proxy's upload
// backpressure watches) and parses responses with llhttp in response mode, reporting to its
// current Client. Between requests it sits in the loop's UpstreamPool, still reading so that an
// upstream closing it is noticed.
//
// Lifetime: made by dial(), ended by close(), which frees it once its handles are closed (never
// inside a call into it), so a Client may call close() from any of its callbacks.
//
// Threads: the loop thread that dialed it, only.
#pragma once

#include <llhttp.h>
#include <uv.h>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "server/exchange.h"
#include "tls/session.h"

namespace pogo::server {

class UpstreamConn {
 public:
  class Client {
   public:
    virtual void upstream_connected() = 0;
    // Dialing, writing or reading failed, or the upstream closed before the response ended.
    // `timeout`: the dial timed out. The connection is closed already.
    virtual void upstream_failed(const std::string& what, bool timeout) = 0;
    virtual void upstream_interim(ResponseHead& head) = 0;  // 1xx other than 101
    // The head is the connection's: the client may move it away, or give it back once used (the
    // strings of its lines then serve the next response's).
    virtual void upstream_head(ResponseHead& head) = 0;
    // A 101 to a request that asked for an upgrade: from here on the connection is a byte tunnel;
    // what the upstream sends comes through upstream_data() as it is, its close through
    // upstream_complete(). Called after the parser returned.
    virtual void upstream_upgraded(ResponseHead& head) = 0;
    virtual void upstream_data(std::string_view data) = 0;
    virtual void upstream_complete() = 0;  // the response ended (after the parser returned)
    virtual void upstream_drained() = 0;   // queued() fell to 0
    virtual void upstream_read_done() = 0;  // what one read brought was handed over: a time to flush

   protected:
    ~Client() = default;
  };

  // Starts connecting to host:port (a name or an IP literal) for `client`. Never null; failures
  // come back through upstream_failed() (later, never inside this call).
  // `read_buf`: where reads land (read_size bytes), shared by whatever reads on this loop thread
  // only inside its own callbacks (the loop's read buffer) or owned by the caller beyond the
  // connection's life.
  // `tls`: speak TLS (an HTTPS upstream), with `tls_name` as the name to send and verify; the
  // connection counts as connected once the handshake is done (its failures are dial failures).
  static UpstreamConn* dial(uv_loop_t* loop, const std::string& host, uint16_t port, Client* client,
                            char* read_buf, size_t read_size, uint64_t dial_timeout_ms, SSL_CTX* tls = nullptr,
                            const std::string& tls_name = {});

  // Hands the connection to `client` for a new request (it came out of the pool).
  void attach(Client* client, bool head_request);
  // The response to a HEAD request has no body, whatever its head says.
  void set_head_request(bool head) { head_request_ = head; }
  // The request asks to switch protocols: a 101 answer turns the connection into a tunnel (any
  // other 101 is a broken response).
  void set_upgrade_request(bool upgrade) { upgrade_request_ = upgrade; }
  // Back to the pool: no client, reading only to notice a close; `on_lost` runs (once) when the
  // upstream closes it or sends anything, after which the connection closes itself.
  // After `idle_ms` parked (0: never), the connection is lost too.
  void park(void (*on_lost)(void* ctx, UpstreamConn* c), void* ctx, uint64_t idle_ms);

  void write(std::string_view data) { write({data}); }
  // Several pieces in one system call when the socket takes them (a chunk: size, data, CRLF).
  void write(std::initializer_list<std::string_view> parts);
  size_t queued() const { return queued_; }
  void pause_reading();
  void resume_reading();
  // The last response ended cleanly and both sides want to keep the connection.
  bool reusable() const { return reusable_ && !closed_ && queued_ == 0; }
  bool connected() const { return connected_; }
  bool closed() const { return closed_; }
  bool got_response_bytes() const { return got_bytes_; }
  // Closes (idempotent); the memory goes once the handles are closed.
  void close();

 private:
  UpstreamConn(uv_loop_t* loop, Client* client, char* read_buf, size_t read_size);
  ~UpstreamConn() = default;
  struct WriteReq;

  void connect_to(const sockaddr* addr);
  void on_tcp_connected();
  void ready();  // connected (and the TLS handshake done): what waited goes out
  // Writes bytes as they are (ciphertext, or plaintext without TLS).
  void write_raw(std::initializer_list<std::string_view> parts);
  void send_tls_output();
  void take(const char* data, size_t n);  // plaintext from the upstream
  void on_eof();
  void fail(const std::string& what, bool timeout = false);
  void fail_later(std::string what);  // from the timer: never inside the caller's call
  void lost();
  static void on_timer(uv_timer_t* t);
  void on_read(ssize_t n, const uv_buf_t* buf);
  void parse(const char* data, size_t n);
  void start_reading();
  void release_op();
  void reset_parser();

  static int on_message_begin(llhttp_t* p);
  static int on_header_field(llhttp_t* p, const char* at, size_t n);
  static int on_header_value(llhttp_t* p, const char* at, size_t n);
  static int on_header_value_complete(llhttp_t* p);
  Header& line();
  static int on_headers_complete(llhttp_t* p);
  static int on_body(llhttp_t* p, const char* at, size_t n);
  static int on_message_complete(llhttp_t* p);

  uv_loop_t* loop_;
  Client* client_;
  uv_tcp_t* tcp_ = nullptr;  // heap, freed in its close callback
  uv_timer_t* timer_ = nullptr;
  int ops_ = 0;  // handles and requests that still call back
  char* read_buf_;
  size_t read_size_;
  std::string hostport_;   // for messages
  std::string pending_;    // written before the connection was up
  std::string later_error_;
  llhttp_t parser_;
  llhttp_settings_t settings_;
  ResponseHead head_;  // the response being parsed; its client may give its lines back (upstream_head)
  size_t lines_ = 0;        // of head_.headers, complete; those after them are the last head's
  bool line_open_ = false;  // head_.headers[lines_] was emptied for the field being parsed
  bool in_head_ = false;    // between a message's start and the end of its head (not in trailers)
  bool head_request_ = false;
  bool upgrade_request_ = false;
  bool tunnel_ = false;  // switched protocols: bytes pass unparsed
  bool tcp_up_ = false;  // the TCP connection is established
  SSL_CTX* tls_ctx_ = nullptr;  // the route's, which outlives its connections
  std::string tls_name_;
  std::unique_ptr<tls::Session> tls_;
  std::string tls_plain_;  // what one read decrypted to
  bool connected_ = false;
  bool reading_ = false;
  bool paused_ = false;
  bool closed_ = false;
  bool complete_ = false;   // a message ended inside the current parse
  bool reusable_ = false;
  bool got_bytes_ = false;
  bool eof_ = false;
  size_t queued_ = 0;
  void (*on_lost_)(void*, UpstreamConn*) = nullptr;
  void* lost_ctx_ = nullptr;
  uint64_t idle_ms_ = 0;     // the pool's idle limit at the last park
  uint64_t parked_at_ = 0;   // loop time of the last park
  bool idle_armed_ = false;  // timer_ is set for the pool's idle limit
};

}  // namespace pogo::server
