// The OpenSSL context for a reverse_proxy's HTTPS upstreams: TLS 1.2 or newer, the peer's
// certificate verified against the system's trust store (or the given PEM files instead), unless
// verification is turned off (tls_insecure_skip_verify). Sessions made from it (tls::Session's
// client mode) name the host they expect.
//
// Threads: made on the main thread when the routes are built; SSL_new from it is safe on any
// thread, and the context lives as long as the last holder of the shared pointer.
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <string>
#include <vector>

namespace pogo::tls {

struct ClientOptions {
  bool verify = true;
  std::vector<std::string> trusted_ca_files;  // PEM; empty: the system's trust store
};

// Throws tls::Error naming the file that could not be read.
std::shared_ptr<SSL_CTX> make_client_context(const ClientOptions& o);

}  // namespace pogo::tls
