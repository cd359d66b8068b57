// A Session is one TLS connection (server side; client side for HTTPS upstreams) with no I/O of its own: the caller hands it the
// ciphertext read from the socket and writes out what it produces. Between the two sit two
// OpenSSL memory BIOs, so the event loop owns every read and write and a Session never blocks.
//
// receive() drives the handshake (any number of round trips, split anywhere, a byte at a time
// included), decrypts application data, and queues in output() whatever must go back: handshake
// records, session tickets, alerts. send() encrypts into output(). The caller empties output()
// into the socket after each call. After Error the session is finished (output() may still hold
// an alert telling the peer why, worth one write before closing); after Closed (the peer's
// close_notify) the caller may still send, then shutdown() and close.
//
// Threads: one loop thread owns a Session, as it owns the connection. A Session keeps its
// SSL_CTX alive, so it may outlive the ServerContext that made it (a reload).
#pragma once

#include <openssl/ssl.h>

#include <array>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pogo::tls {

class Session {
 public:
  enum class Result { Ok, Closed /* peer sent close_notify */, Error };

  // SSL_new from the ServerContext's ctx, in accept state. `local_ip` (the address the client
  // connected to, as text) chooses the site and certificate when the client sends no SNI, as
  // clients of https://127.0.0.1 do. Throws tls::Error if OpenSSL cannot allocate the connection.
  explicit Session(SSL_CTX* ctx, std::string local_ip = "");
  // A client-side session (reverse_proxy to an HTTPS upstream), in connect state, offering ALPN
  // http/1.1. `peer_name` (a host name or an IP literal) is sent as SNI when it is a name and is
  // what the peer's certificate must be for, when `ctx` verifies peers. Call start() first.
  struct Client {};
  Session(Client, SSL_CTX* ctx, const std::string& peer_name);
  // Client: the first handshake flight (the ClientHello) into output().
  Result start();
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Ciphertext from the socket: drives the handshake, appends decrypted application bytes to
  // `plain`, and appends whatever must go back to the peer to output(). Error: reason in error().
  Result receive(const char* data, size_t n, std::string& plain);
  // Encrypts application bytes into output(), in as many records as needed. Only after the
  // handshake (before it, Error).
  Result send(const char* data, size_t n);
  // Ciphertext waiting for the socket; the caller takes or clears it.
  std::string& output() { return output_; }
  // Queues close_notify into output() (once; nothing before the handshake finished).
  void shutdown();

  bool handshake_done() const;
  std::string_view alpn() const;         // negotiated: "h2", "http/1.1", "acme-tls/1" or ""
  std::string_view server_name() const;  // SNI, lower-case; "" if none
  bool session_reused() const;           // resumed from a ticket
  const std::string& error() const { return error_; }  // one line, for a debug log
  // True when the first bytes ever received look like a plaintext HTTP request (as Go's
  // net/http tests them): the caller answers with a plain "400 Bad Request" ("Client sent an HTTP
  // request to an HTTPS server.") instead of TLS; output() holds no alert then.
  bool plaintext_http() const { return plaintext_http_; }

  // The per-connection variables FrankenPHP gives PHP (HTTPS, SSL_PROTOCOL, SSL_CIPHER), plus
  // mod_ssl's client-certificate ones when the client presented a certificate. Empty before the
  // handshake is done.
  std::vector<std::pair<std::string, std::string>> variables() const;

 private:
  void create(SSL_CTX* ctx);  // ssl_ and its two memory BIOs; throws tls::Error
  Result fail(const char* during, int ssl_error);
  void note_first_bytes(const char* data, size_t n);
  void drain_output();
  Result read_plaintext(std::string& plain);

  SSL* ssl_ = nullptr;
  BIO* in_ = nullptr;   // owned by ssl_: ciphertext from the peer
  BIO* out_ = nullptr;  // owned by ssl_: ciphertext for the peer
  std::string output_;
  std::string error_;
  std::array<char, 5> first_{};
  size_t first_len_ = 0;
  bool plaintext_http_ = false;
  bool client_ = false;
  bool failed_ = false;
  bool closed_ = false;
  bool shut_down_ = false;
};

}  // namespace pogo::tls
