// A TestClient is a real OpenSSL client connection over memory BIOs, the peer of a tls::Session
// in tests: what one writes the test hands to the other, whole or a byte at a time. pump() runs
// the exchange until both sides are quiet.
//
// Header-only for the reason given in test_certs.h. Threads: the test's own.
#pragma once

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <optional>
#include <string>
#include <vector>

#include "tests/tls/test_certs.h"
#include "tls/session.h"

namespace pogo::tls::testing {

struct ClientOptions {
  std::string sni;                 // "" = no server_name extension
  std::vector<std::string> alpn;   // offered, in order
  int min_version = TLS1_2_VERSION, max_version = TLS1_3_VERSION;
  std::string trusted_ca_pem;      // "" = do not verify the server
  std::string verify_host;         // checked against the server's certificate when verifying
  std::optional<KeyPair> certificate;  // a client certificate to present
  std::string ciphers;             // TLS 1.2 cipher list, OpenSSL names
  std::string groups;              // OpenSSL group names
  SSL_SESSION* resume = nullptr;   // a session to offer (not owned)
};

class TestClient {
 public:
  explicit TestClient(const ClientOptions& o) {
    ctx_ = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_min_proto_version(ctx_, o.min_version);
    SSL_CTX_set_max_proto_version(ctx_, o.max_version);
    if (!o.ciphers.empty()) SSL_CTX_set_cipher_list(ctx_, o.ciphers.c_str());
    if (!o.groups.empty()) SSL_CTX_set1_groups_list(ctx_, o.groups.c_str());
    if (!o.trusted_ca_pem.empty()) {
      BIO* b = BIO_new_mem_buf(o.trusted_ca_pem.data(), static_cast<int>(o.trusted_ca_pem.size()));
      X509* ca = PEM_read_bio_X509(b, nullptr, nullptr, nullptr);
      X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx_), ca);
      X509_free(ca);
      BIO_free(b);
      SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    }
    if (o.certificate) {
      auto ck = o.certificate->certified();
      SSL_CTX_use_certificate(ctx_, ck->leaf);
      SSL_CTX_use_PrivateKey(ctx_, ck->key);
    }
    ssl_ = SSL_new(ctx_);
    in_ = BIO_new(BIO_s_mem());
    out_ = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(in_, -1);
    SSL_set_bio(ssl_, in_, out_);
    SSL_set_connect_state(ssl_);
    if (!o.sni.empty()) SSL_set_tlsext_host_name(ssl_, o.sni.c_str());
    if (!o.verify_host.empty()) SSL_set1_host(ssl_, o.verify_host.c_str());
    if (!o.alpn.empty()) {
      std::string wire;
      for (const std::string& p : o.alpn) wire += static_cast<char>(p.size()) + p;
      SSL_set_alpn_protos(ssl_, reinterpret_cast<const unsigned char*>(wire.data()), static_cast<unsigned>(wire.size()));
    }
    if (o.resume) SSL_set_session(ssl_, o.resume);
  }
  ~TestClient() {
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
  }
  TestClient(const TestClient&) = delete;
  TestClient& operator=(const TestClient&) = delete;

  SSL* ssl() const { return ssl_; }
  bool done() const { return SSL_is_init_finished(ssl_) == 1; }
  bool failed() const { return failed_; }
  const std::string& error() const { return error_; }
  const std::string& received() const { return received_; }  // decrypted application data
  bool closed_by_peer() const { return closed_; }

  // Ciphertext from the server.
  void feed(const std::string& bytes) { BIO_write(in_, bytes.data(), static_cast<int>(bytes.size())); }
  // Ciphertext for the server.
  std::string take_output() {
    std::string out(BIO_ctrl_pending(out_), '\0');
    if (!out.empty()) BIO_read(out_, out.data(), static_cast<int>(out.size()));
    return out;
  }
  // Advances the handshake, or reads application data (and tickets) once it is done.
  void step() {
    if (failed_) return;
    ERR_clear_error();
    if (!done()) {
      int r = SSL_do_handshake(ssl_);
      if (r != 1) note(r);
      if (!done()) return;
    }
    char buf[16384];
    for (;;) {
      size_t got = 0;
      int r = SSL_read_ex(ssl_, buf, sizeof buf, &got);
      if (r != 1) {
        note(r);
        return;
      }
      received_.append(buf, got);
    }
  }
  bool write(const std::string& plain) {
    size_t written = 0;
    return SSL_write_ex(ssl_, plain.data(), plain.size(), &written) == 1 && written == plain.size();
  }
  // The server certificate's check against a name (X509_check_host / _ip_asc).
  bool server_certificate_covers(const std::string& name) const {
    X509* peer = SSL_get0_peer_certificate(ssl_);
    if (!peer) return false;
    return X509_check_host(peer, name.data(), name.size(), 0, nullptr) == 1 ||
           X509_check_ip_asc(peer, name.c_str(), 0) == 1;
  }
  std::string alpn() const {
    const unsigned char* p = nullptr;
    unsigned len = 0;
    SSL_get0_alpn_selected(ssl_, &p, &len);
    return p ? std::string(reinterpret_cast<const char*>(p), len) : "";
  }

 private:
  void note(int r) {
    int e = SSL_get_error(ssl_, r);
    if (e == SSL_ERROR_WANT_READ) return;
    if (e == SSL_ERROR_ZERO_RETURN) {
      closed_ = true;
      return;
    }
    failed_ = true;
    char buf[256];
    unsigned long code = ERR_get_error();
    ERR_error_string_n(code, buf, sizeof buf);
    error_ = buf;
    ERR_clear_error();
  }

  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  BIO* in_ = nullptr;
  BIO* out_ = nullptr;
  bool failed_ = false, closed_ = false;
  std::string error_, received_;
};

// What the server side saw during a pump.
struct PumpResult {
  Session::Result last = Session::Result::Ok;  // the last receive()'s result (Error sticks)
  std::string plain;                           // application bytes the server decrypted
};

// Moves bytes both ways until neither side has anything to say. `byte_at_a_time` hands the
// server its ciphertext one byte per receive().
inline PumpResult pump(TestClient& client, Session& server, bool byte_at_a_time = false) {
  PumpResult r;
  for (int round = 0; round < 64; ++round) {
    client.step();
    std::string to_server = client.take_output();
    if (!to_server.empty() && r.last != Session::Result::Error) {
      if (byte_at_a_time) {
        for (char c : to_server) {
          r.last = server.receive(&c, 1, r.plain);
          if (r.last == Session::Result::Error) break;
        }
      } else {
        r.last = server.receive(to_server.data(), to_server.size(), r.plain);
      }
    }
    std::string to_client = std::move(server.output());
    server.output().clear();
    if (!to_client.empty()) client.feed(to_client);
    if (to_server.empty() && to_client.empty()) break;
  }
  client.step();
  return r;
}

}  // namespace pogo::tls::testing
