// A Transport is the byte pipe under one HTTP connection: an accepted TCP socket, with or without
// TLS. With TLS, a tls::Session sits between the socket and the codec over memory BIOs, so the
// handshake and every record run on the loop thread without blocking: ciphertext read from the
// socket goes in, plaintext comes out to the owner; plaintext written by the owner goes out as
// ciphertext. The owner (the connection) sees plaintext only.
//
// Writes: uv_try_write first, a queued uv_write for what the socket did not take. A write may
// carry a credit for an Exchange: its bytes_written() is reported once those bytes left the
// process, which is how a slow client's backpressure reaches the producer.
//
// Threads: the owning connection's loop thread only.
#pragma once

#include <uv.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/ssl.h>

#include "server/loop.h"

namespace pogo::tls {
class Session;
}

namespace pogo::server {

class Exchange;

class Transport {
 public:
  class Owner {
   public:
    virtual ~Owner() = default;
    // Plaintext from the peer.
    virtual void on_transport_data(const char* data, size_t n) = 0;
    // The peer closed its side (FIN, a TLS close_notify) or reading failed.
    virtual void on_transport_eof() = 0;
    // Writing failed, or the TLS layer refused the peer: the owner closes.
    virtual void on_transport_lost() = 0;
    // A queued write completed (writes_in_flight() tells whether others remain).
    virtual void on_transport_written() = 0;
    // TLS: the handshake completed (alpn() is known now).
    virtual void on_transport_secure() {}
  };

  Transport(uv_loop_t* loop, Owner& owner, char* read_buffer, size_t read_buffer_size);
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // Takes the accepted socket. With `tls`, every byte is TLS (the handshake runs as data
  // arrives). False when the socket could not be set up (then it is closed).
  bool open(int fd, SSL_CTX* tls);

  void start_reading();
  void stop_reading();
  bool reading() const { return reading_; }

  // Sends `out` (emptied) and then `ext` (copied if it cannot go at once). `credit` bytes are
  // reported to `ex` when they have been written. Returns false when the connection failed
  // (on_transport_lost() has been called).
  bool write(std::string& out, std::string_view ext = {}, const std::shared_ptr<Exchange>& ex = nullptr,
             size_t credit = 0);
  int writes_in_flight() const { return writes_in_flight_; }

  // Our side is done: a TLS close_notify, then FIN once the queued writes are out. `done(status)`
  // runs when the FIN was sent.
  void shutdown(std::function<void(int status)> done);
  // Closes the handle; `closed()` runs from its close callback.
  void close(std::function<void()> closed);
  bool closed() const { return closed_; }

  bool secure() const { return tls_ != nullptr; }
  tls::Session* tls() const { return tls_.get(); }
  std::string_view alpn() const;
  uv_tcp_t* tcp() const { return tcp_.get(); }

 private:
  struct WriteReq;
  static void on_alloc(uv_handle_t* h, size_t suggested, uv_buf_t* buf);
  static void on_read(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf);
  static void on_write(uv_write_t* req, int status);
  void received_tls(const char* data, size_t n);
  // Writes bytes that are already in wire form.
  bool write_raw(std::string& out, std::string_view ext, const std::shared_ptr<Exchange>& ex, size_t credit);
  void fail(const char* what);

  uv_loop_t* loop_;
  Owner& owner_;
  char* read_buffer_;
  size_t read_buffer_size_;
  UvHandle<uv_tcp_t> tcp_;
  std::unique_ptr<tls::Session> tls_;
  std::string plain_;        // TLS: decrypted bytes for the owner
  std::string cipher_out_;   // TLS: records to send
  bool secure_reported_ = false;
  bool reading_ = false;
  bool closed_ = false;
  int writes_in_flight_ = 0;
  std::vector<std::unique_ptr<WriteReq>> free_writes_;
  uv_shutdown_t shutdown_req_{};
  std::function<void(int)> shutdown_done_;
};

}  // namespace pogo::server
