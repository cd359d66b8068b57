// A CompiledPolicy is one SitePolicy translated into what OpenSSL takes, checked once at start-up
// so that a wrong option is a configuration error naming the site, never a handshake failure:
// Caddy's protocol, cipher and curve names become OpenSSL's, the trusted CA files become a
// verification store and the list of CA names sent in the CertificateRequest.
//
// Internal to ServerContext (server_context.cpp applies a CompiledPolicy to each connection).
// Threads: built on the main thread; immutable afterwards and read by every loop thread.
#pragma once

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <vector>

#include "tls/server_context.h"

namespace pogo::tls {

struct CompiledPolicy {
  CompiledPolicy() = default;
  ~CompiledPolicy();
  CompiledPolicy(const CompiledPolicy&) = delete;
  CompiledPolicy& operator=(const CompiledPolicy&) = delete;

  std::vector<std::string> names;  // lower-case
  std::string label;               // how errors and logs name the site
  int min_version = TLS1_2_VERSION, max_version = TLS1_3_VERSION;
  std::string cipher_list;                // OpenSSL's TLS 1.2 cipher string
  std::string groups;                     // OpenSSL's group list
  std::vector<std::string> alpn;          // preference order
  int verify_mode = SSL_VERIFY_NONE;
  bool verify_chain = false;              // false: a client certificate is taken unverified
  X509_STORE* trusted = nullptr;          // owned; null without client_auth CAs
  STACK_OF(X509_NAME)* ca_names = nullptr;  // owned; sent in the CertificateRequest
  std::string session_id_context;         // tickets resume only under the policy that issued them
};

// Throws tls::Error naming the site and the option.
std::unique_ptr<CompiledPolicy> compile_policy(const SitePolicy& policy);

}  // namespace pogo::tls
