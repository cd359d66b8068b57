#include "tls/session.h"

#include <arpa/inet.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <climits>
#include <memory>

#include "tls/error.h"
#include "tls/server_context.h"

namespace pogo::tls {

namespace {

// What a plaintext HTTP request's first five bytes look like (the prefixes Go's net/http uses).
constexpr std::string_view kHttpStarts[] = {"GET /", "HEAD ", "POST ", "PUT /", "OPTIO"};

constexpr size_t kReadChunk = 16 * 1024;    // one maximal TLS record of plaintext
constexpr size_t kWriteChunk = 256 * 1024;  // bounds one SSL_write's int length

// The reasons on this thread's OpenSSL queue, short form ("wrong version number"), cleared.
std::string openssl_reasons() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    const char* reason = ERR_reason_error_string(e);
    if (!out.empty()) out += "; ";
    out += reason ? reason : "error " + std::to_string(ERR_GET_REASON(e));
  }
  return out;
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return len > 0 ? std::string(data, static_cast<size_t>(len)) : std::string();
}

template <typename Print>
std::string printed(Print print) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  if (!bio || !print(bio.get())) return "";
  return bio_text(bio.get());
}

// mod_ssl's formats: distinguished names in RFC 2253 form, the serial in upper-case hex, dates
// as OpenSSL prints them ("Jan  2 03:04:05 2025 GMT").
std::string dn(const X509_NAME* name) {
  return printed([&](BIO* b) { return X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253) >= 0; });
}

std::string date(const ASN1_TIME* t) {
  return printed([&](BIO* b) { return ASN1_TIME_print(b, t) == 1; });
}

std::string serial(const X509* cert) {
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
  char* hex = bn ? BN_bn2hex(bn) : nullptr;
  std::string out = hex ? hex : "";
  OPENSSL_free(hex);
  BN_free(bn);
  return out;
}

std::string common_name(const X509_NAME* name) {
  int at = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (at < 0) return "";
  const ASN1_STRING* s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, at));
  unsigned char* utf8 = nullptr;
  int len = ASN1_STRING_to_UTF8(&utf8, s);
  std::string out = len > 0 ? std::string(reinterpret_cast<char*>(utf8), static_cast<size_t>(len)) : "";
  OPENSSL_free(utf8);
  return out;
}

}  // namespace

void Session::create(SSL_CTX* ctx) {
  ssl_ = SSL_new(ctx);
  in_ = BIO_new(BIO_s_mem());
  out_ = BIO_new(BIO_s_mem());
  if (!ssl_ || !in_ || !out_) {
    SSL_free(ssl_);
    BIO_free(in_);
    BIO_free(out_);
    throw Error("TLS: cannot create a connection: " + take_openssl_errors());
  }
  // An empty input BIO means "more later" (WANT_READ), never end of stream: the socket's EOF is
  // the caller's to see.
  BIO_set_mem_eof_return(in_, -1);
  SSL_set_bio(ssl_, in_, out_);
}

Session::Session(SSL_CTX* ctx, std::string local_ip) {
  create(ctx);
  SSL_set_accept_state(ssl_);
  if (!local_ip.empty()) ServerContext::set_name_without_sni(ssl_, std::move(local_ip));
}

Session::Session(Client, SSL_CTX* ctx, const std::string& peer_name) : client_(true) {
  create(ctx);
  SSL_set_connect_state(ssl_);
  unsigned char buf[16];
  bool ip = inet_pton(AF_INET, peer_name.c_str(), buf) == 1 || inet_pton(AF_INET6, peer_name.c_str(), buf) == 1;
  bool ok = true;
  if (ip) {
    ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), peer_name.c_str()) == 1;
  } else if (!peer_name.empty()) {
    ok = SSL_set_tlsext_host_name(ssl_, peer_name.c_str()) == 1 && SSL_set1_host(ssl_, peer_name.c_str()) == 1;
  }
  static const unsigned char kAlpn[] = "\x08http/1.1";
  ok = ok && SSL_set_alpn_protos(ssl_, kAlpn, sizeof kAlpn - 1) == 0;
  if (!ok) {
    SSL_free(ssl_);
    throw Error("TLS: cannot prepare a connection to " + peer_name + ": " + take_openssl_errors());
  }
}

Session::Result Session::start() {
  ERR_clear_error();
  int r = SSL_do_handshake(ssl_);
  drain_output();
  if (r == 1) return Result::Ok;
  int e = SSL_get_error(ssl_, r);
  if (e == SSL_ERROR_WANT_READ) return Result::Ok;
  return fail("TLS handshake", e);
}

Session::~Session() { SSL_free(ssl_); }

void Session::note_first_bytes(const char* data, size_t n) {
  if (first_len_ == first_.size()) return;
  size_t take = std::min(n, first_.size() - first_len_);
  std::copy_n(data, take, first_.begin() + static_cast<long>(first_len_));
  first_len_ += take;
  if (first_len_ < first_.size()) return;
  std::string_view head(first_.data(), first_.size());
  plaintext_http_ = std::find(std::begin(kHttpStarts), std::end(kHttpStarts), head) != std::end(kHttpStarts);
}

void Session::drain_output() {
  size_t pending = BIO_ctrl_pending(out_);
  if (pending == 0) return;
  size_t at = output_.size();
  output_.resize(at + pending);
  size_t got = 0;
  if (BIO_read_ex(out_, output_.data() + at, pending, &got) != 1) got = 0;
  output_.resize(at + got);
}

Session::Result Session::fail(const char* during, int ssl_error) {
  failed_ = true;
  std::string reason = ssl_error == SSL_ERROR_SSL ? openssl_reasons() : "";
  if (reason.empty()) reason = "OpenSSL error " + std::to_string(ssl_error);
  long verify = SSL_get_verify_result(ssl_);
  if (verify != X509_V_OK && reason.find("certificate verify failed") != std::string::npos)
    reason += " (" + std::string(X509_verify_cert_error_string(verify)) + ")";
  error_ = std::string(during) + ": " + reason;
  ERR_clear_error();
  // A plaintext client gets an HTTP answer from the caller; an alert before it would garble it.
  if (plaintext_http_) output_.clear();
  return Result::Error;
}

Session::Result Session::receive(const char* data, size_t n, std::string& plain) {
  if (failed_) return Result::Error;
  if (closed_) return Result::Closed;  // nothing may follow close_notify
  if (!client_) note_first_bytes(data, n);
  for (size_t at = 0; at < n;) {
    size_t chunk = std::min(n - at, static_cast<size_t>(INT_MAX));
    size_t written = 0;
    if (BIO_write_ex(in_, data + at, chunk, &written) != 1) {
      ERR_clear_error();
      failed_ = true;
      error_ = "TLS: out of memory buffering received bytes";
      return Result::Error;
    }
    at += written;
  }

  // OpenSSL reads its error queue to classify a failure, and the queue is per thread, shared
  // by every connection of this loop: start clean.
  ERR_clear_error();
  if (!SSL_is_init_finished(ssl_)) {
    int r = SSL_do_handshake(ssl_);
    if (r != 1) {
      int e = SSL_get_error(ssl_, r);
      drain_output();
      if (e == SSL_ERROR_WANT_READ) return Result::Ok;
      return fail("TLS handshake", e);
    }
  }
  return read_plaintext(plain);
}

Session::Result Session::read_plaintext(std::string& plain) {
  // Decrypted into a scratch buffer, then appended: growing `plain` first would zero-fill a
  // record's worth of bytes on every call, the last one (WANT_READ) included.
  char buf[kReadChunk];
  for (;;) {
    size_t got = 0;
    int r = SSL_read_ex(ssl_, buf, kReadChunk, &got);
    if (r == 1) {
      plain.append(buf, got);
      continue;
    }
    int e = SSL_get_error(ssl_, r);
    drain_output();  // a KeyUpdate answer, an alert
    if (e == SSL_ERROR_WANT_READ) return Result::Ok;
    if (e == SSL_ERROR_ZERO_RETURN) {
      closed_ = true;
      return Result::Closed;
    }
    return fail("TLS read", e);
  }
}

Session::Result Session::send(const char* data, size_t n) {
  if (failed_) return Result::Error;
  if (!handshake_done()) {
    error_ = "TLS: send before the handshake finished";
    return Result::Error;
  }
  ERR_clear_error();
  while (n > 0) {
    size_t written = 0;
    int r = SSL_write_ex(ssl_, data, std::min(n, kWriteChunk), &written);
    if (r != 1) {
      int e = SSL_get_error(ssl_, r);
      drain_output();
      return fail("TLS write", e);
    }
    data += written;
    n -= written;
  }
  drain_output();
  return Result::Ok;
}

void Session::shutdown() {
  if (shut_down_ || failed_ || !handshake_done()) return;
  shut_down_ = true;
  ERR_clear_error();
  SSL_shutdown(ssl_);  // 0: sent, the peer's close_notify not (yet) seen; the caller closes anyway
  ERR_clear_error();
  drain_output();
}

bool Session::handshake_done() const { return SSL_is_init_finished(ssl_) == 1; }

std::string_view Session::alpn() const {
  const unsigned char* p = nullptr;
  unsigned len = 0;
  SSL_get0_alpn_selected(ssl_, &p, &len);
  return p ? std::string_view(reinterpret_cast<const char*>(p), len) : std::string_view();
}

std::string_view Session::server_name() const { return ServerContext::server_name(ssl_); }

bool Session::session_reused() const { return SSL_session_reused(ssl_) == 1; }

std::vector<std::pair<std::string, std::string>> Session::variables() const {
  std::vector<std::pair<std::string, std::string>> vars;
  if (!handshake_done()) return vars;
  vars.emplace_back("HTTPS", "on");
  // SSL_get_version's names are mod_ssl's (TLSv1.2, TLSv1.3), which FrankenPHP copies.
  vars.emplace_back("SSL_PROTOCOL", SSL_get_version(ssl_));
  // The IANA name, which is also Go's tls.CipherSuiteName() (TLS_AES_128_GCM_SHA256,
  // TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256), the form FrankenPHP sets.
  if (const SSL_CIPHER* c = SSL_get_current_cipher(ssl_)) {
    const char* name = SSL_CIPHER_standard_name(c);
    vars.emplace_back("SSL_CIPHER", name ? name : SSL_CIPHER_get_name(c));
  }

  X509* peer = SSL_get0_peer_certificate(ssl_);
  if (!peer) return vars;
  // SUCCESS: verified against the trusted CAs; GENEROUS: taken unverified (mode request/require),
  // as mod_ssl says for optional_no_ca.
  bool verified = ServerContext::verifies_client_certificates(ssl_) && SSL_get_verify_result(ssl_) == X509_V_OK;
  vars.emplace_back("SSL_CLIENT_VERIFY", verified ? "SUCCESS" : "GENEROUS");
  vars.emplace_back("SSL_CLIENT_S_DN", dn(X509_get_subject_name(peer)));
  if (std::string cn = common_name(X509_get_subject_name(peer)); !cn.empty())
    vars.emplace_back("SSL_CLIENT_S_DN_CN", cn);
  vars.emplace_back("SSL_CLIENT_I_DN", dn(X509_get_issuer_name(peer)));
  vars.emplace_back("SSL_CLIENT_M_SERIAL", serial(peer));
  vars.emplace_back("SSL_CLIENT_V_START", date(X509_get0_notBefore(peer)));
  vars.emplace_back("SSL_CLIENT_V_END", date(X509_get0_notAfter(peer)));
  vars.emplace_back("SSL_CLIENT_CERT", printed([&](BIO* b) { return PEM_write_bio_X509(b, peer) == 1; }));
  return vars;
}

}  // namespace pogo::tls
