#include "tls/server_context.h"

#include <openssl/err.h>
#include <openssl/tls1.h>

#include <algorithm>

#include "tls/error.h"
#include "tls/server_context_policy.h"

namespace pogo::tls {

namespace {

constexpr std::string_view kAcmeTlsAlpn = "acme-tls/1";  // RFC 8737 §6.2

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto low = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
           return low(x) == low(y);
         });
}

// Everything the callbacks read. Owned by the SSL_CTX (freed with it), so a connection that
// outlives its ServerContext still finds it.
struct State {
  std::vector<std::unique_ptr<CompiledPolicy>> policies;
  std::shared_ptr<CertificateSource> certs;

  const CompiledPolicy* match(std::string_view sni) const {
    if (!sni.empty()) {
      for (const auto& p : policies)
        for (const std::string& n : p->names)
          if (n == sni) return p.get();
      for (const auto& p : policies)
        for (const std::string& n : p->names)
          if (n.starts_with("*.") && name_matches(n, sni)) return p.get();
    }
    for (const auto& p : policies)
      if (p->names.empty()) return p.get();
    return nullptr;
  }
};

// What the ClientHello callback chose for one connection, kept on the SSL for the ALPN callback
// and for Session's accessors.
struct Choice {
  std::string server_name;
  std::string name_without_sni;  // the local IP, for a ClientHello without SNI
  const CompiledPolicy* policy = nullptr;
  bool acme = false;  // serving a TLS-ALPN-01 challenge certificate
};

template <typename T>
void delete_ex_data(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
  delete static_cast<T*>(ptr);
}

int state_index() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, delete_ex_data<State>);
  return index;
}

int choice_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, delete_ex_data<Choice>);
  return index;
}

const Choice* choice_of(const SSL* ssl) { return static_cast<const Choice*>(SSL_get_ex_data(ssl, choice_index())); }

// The host_name entry of the ClientHello's server_name extension (RFC 6066 §3), lower-case and
// without a trailing dot; "" if absent or malformed.
std::string client_sni(SSL* ssl) {
  const unsigned char* p = nullptr;
  size_t len = 0;
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_server_name, &p, &len) != 1 || len < 2) return "";
  size_t list = static_cast<size_t>(p[0]) << 8 | p[1];
  if (list + 2 != len) return "";
  for (size_t at = 2; at + 3 <= len;) {
    unsigned type = p[at];
    size_t n = static_cast<size_t>(p[at + 1]) << 8 | p[at + 2];
    at += 3;
    if (at + n > len) return "";
    if (type == TLSEXT_NAMETYPE_host_name) {
      std::string name(reinterpret_cast<const char*>(p + at), n);
      if (name.find('\0') != std::string::npos) return "";
      if (name.ends_with('.')) name.pop_back();
      for (char& c : name)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      return name;
    }
    at += n;
  }
  return "";
}

// Whether the ClientHello's ALPN extension lists `protocol`.
bool client_offers(SSL* ssl, std::string_view protocol) {
  const unsigned char* p = nullptr;
  size_t len = 0;
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_application_layer_protocol_negotiation, &p, &len) != 1 || len < 2)
    return false;
  for (size_t at = 2; at < len;) {
    size_t n = p[at++];
    if (at + n > len) return false;
    if (std::string_view(reinterpret_cast<const char*>(p + at), n) == protocol) return true;
    at += n;
  }
  return false;
}

int accept_any_certificate(int, X509_STORE_CTX*) { return 1; }

// Sets the policy on this connection. Every setting here is read by OpenSSL only after the
// ClientHello callback returns: the version is negotiated, the TLS 1.2 suite and the key share
// chosen, the resumed session's context compared, and the CertificateRequest written later.
bool apply(SSL* ssl, const CompiledPolicy& p) {
  if (SSL_set_min_proto_version(ssl, p.min_version) != 1 || SSL_set_max_proto_version(ssl, p.max_version) != 1)
    return false;
  if (SSL_set_cipher_list(ssl, p.cipher_list.c_str()) != 1) return false;
  if (SSL_set1_groups_list(ssl, p.groups.c_str()) != 1) return false;
  bool unverified = p.verify_mode != SSL_VERIFY_NONE && !p.verify_chain;
  SSL_set_verify(ssl, p.verify_mode, unverified ? accept_any_certificate : nullptr);
  if (p.trusted && SSL_set1_verify_cert_store(ssl, p.trusted) != 1) return false;
  if (p.ca_names) {
    STACK_OF(X509_NAME)* names = SSL_dup_CA_list(p.ca_names);
    if (!names) return false;
    SSL_set_client_CA_list(ssl, names);
  }
  return SSL_set_session_id_context(ssl, reinterpret_cast<const unsigned char*>(p.session_id_context.data()),
                                    static_cast<unsigned>(p.session_id_context.size())) == 1;
}

bool use_certificate(SSL* ssl, const CertifiedKey& cert) {
  STACK_OF(X509)* chain = sk_X509_new_reserve(nullptr, static_cast<int>(cert.chain.size()));
  if (!chain) return false;
  for (X509* c : cert.chain) sk_X509_push(chain, c);
  int ok = SSL_use_cert_and_key(ssl, cert.leaf, cert.key, chain, 1);  // takes its own references
  sk_X509_free(chain);
  return ok == 1;
}

// The connection's Choice, made on first use.
Choice* choice_for(SSL* ssl) {
  if (auto* c = static_cast<Choice*>(SSL_get_ex_data(ssl, choice_index()))) return c;
  auto fresh = std::make_unique<Choice>();
  if (SSL_set_ex_data(ssl, choice_index(), fresh.get()) != 1) return nullptr;
  return fresh.release();
}

int choose(SSL* ssl, int* alert, State& state) {
  std::string sni = client_sni(ssl);
  Choice* choice = choice_for(ssl);
  if (!choice) {
    *alert = SSL_AD_INTERNAL_ERROR;
    return SSL_CLIENT_HELLO_ERROR;
  }
  // A second ClientHello (after a HelloRetryRequest) must name the same server (RFC 8446 §4.1.2).
  if (choice->policy && choice->server_name != sni) {
    *alert = SSL_AD_ILLEGAL_PARAMETER;
    return SSL_CLIENT_HELLO_ERROR;
  }
  choice->server_name = sni;
  const std::string& name = sni.empty() ? choice->name_without_sni : sni;

  choice->policy = state.match(name);
  if (!choice->policy) {
    *alert = SSL_AD_UNRECOGNIZED_NAME;
    return SSL_CLIENT_HELLO_ERROR;
  }
  std::shared_ptr<const CertifiedKey> cert;
  if (client_offers(ssl, kAcmeTlsAlpn)) cert = state.certs->acme_tls_alpn_certificate(name);
  choice->acme = cert != nullptr;
  if (!cert) cert = state.certs->certificate_for(name);
  if (!cert) {
    *alert = SSL_AD_UNRECOGNIZED_NAME;
    return SSL_CLIENT_HELLO_ERROR;
  }
  if (!apply(ssl, *choice->policy) || !use_certificate(ssl, *cert)) {
    *alert = SSL_AD_INTERNAL_ERROR;
    return SSL_CLIENT_HELLO_ERROR;
  }
  return SSL_CLIENT_HELLO_SUCCESS;
}

int on_client_hello(SSL* ssl, int* alert, void* arg) {
  try {  // the CertificateSource is ours, OpenSSL is C: nothing may be thrown through it
    return choose(ssl, alert, *static_cast<State*>(arg));
  } catch (...) {
    *alert = SSL_AD_INTERNAL_ERROR;
    return SSL_CLIENT_HELLO_ERROR;
  }
}

// The server's preference wins, as in Go. No common protocol is a fatal no_application_protocol
// alert, except that an HTTP/1.1 client of an h2 server proceeds without ALPN (Go does the same).
int on_alpn(SSL* ssl, const unsigned char** out, unsigned char* outlen, const unsigned char* in, unsigned inlen,
            void*) {
  const Choice* choice = choice_of(ssl);
  if (!choice || !choice->policy) return SSL_TLSEXT_ERR_ALERT_FATAL;
  auto offered = [&](std::string_view want) {
    for (unsigned at = 0; at < inlen;) {
      unsigned n = in[at++];
      if (at + n > inlen) return false;
      if (std::string_view(reinterpret_cast<const char*>(in + at), n) == want) {
        *out = in + at;
        *outlen = static_cast<unsigned char>(n);
        return true;
      }
      at += n;
    }
    return false;
  };
  if (choice->acme) return offered(kAcmeTlsAlpn) ? SSL_TLSEXT_ERR_OK : SSL_TLSEXT_ERR_ALERT_FATAL;
  bool h2_server = false;
  for (const std::string& p : choice->policy->alpn) {
    if (offered(p)) return SSL_TLSEXT_ERR_OK;
    h2_server = h2_server || p == "h2";
  }
  if (h2_server && offered("http/1.1")) return SSL_TLSEXT_ERR_NOACK;
  return SSL_TLSEXT_ERR_ALERT_FATAL;
}

}  // namespace

bool name_matches(std::string_view pattern, std::string_view name) {
  if (iequals(pattern, name)) return true;
  if (!pattern.starts_with("*.")) return false;
  size_t dot = name.find('.');
  return dot != 0 && dot != std::string_view::npos && iequals(name.substr(dot), pattern.substr(1));
}

void FixedCertificates::add(std::shared_ptr<const CertifiedKey> cert) {
  for (const std::string& n : cert->names) add(n, cert);
}

void FixedCertificates::add(std::string name, std::shared_ptr<const CertifiedKey> cert) {
  for (char& c : name)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  by_name_.emplace_back(std::move(name), std::move(cert));
}

void FixedCertificates::set_default(std::shared_ptr<const CertifiedKey> cert) { default_ = std::move(cert); }

std::shared_ptr<const CertifiedKey> FixedCertificates::certificate_for(std::string_view server_name) {
  if (!server_name.empty()) {
    for (const auto& [name, cert] : by_name_)
      if (iequals(name, server_name)) return cert;
    for (const auto& [name, cert] : by_name_)
      if (name.starts_with("*.") && name_matches(name, server_name)) return cert;
  }
  return default_;
}

ServerContext::ServerContext(std::vector<SitePolicy> policies, std::shared_ptr<CertificateSource> certs,
                             std::shared_ptr<TicketKeys> tickets) {
  if (!certs) throw Error("TLS: no certificate source");
  if (policies.empty()) policies.emplace_back();
  auto state = std::make_unique<State>();
  state->certs = std::move(certs);
  for (const SitePolicy& p : policies) state->policies.push_back(compile_policy(p));

  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
  if (!ctx) throw Error("TLS: cannot create a context: " + take_openssl_errors());
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  // Renegotiation: a client-triggered CPU cost and a history of attacks, and HTTP/2 forbids it.
  // The server's suite order wins, except that a client preferring ChaCha20 (no AES hardware)
  // gets it, as Go decides.
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_PRIORITIZE_CHACHA |
                                     SSL_OP_NO_COMPRESSION);
  // Idle keep-alive connections give their 34 KiB of record buffers back.
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_RELEASE_BUFFERS);
  // Resumption is by tickets only: no per-context cache to lock and bound across loop threads.
  SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_OFF);
  SSL_CTX_set_timeout(ctx.get(), 24 * 3600);  // a ticket's lifetime; the key ring keeps 36-48 h
  SSL_CTX_set_client_hello_cb(ctx.get(), on_client_hello, state.get());
  SSL_CTX_set_alpn_select_cb(ctx.get(), on_alpn, nullptr);
  TicketKeys::install(ctx.get(), tickets ? std::move(tickets) : TicketKeys::process());

  // Each policy applied once now, so a value OpenSSL refuses is a start-up error, not a failed handshake.
  for (const auto& p : state->policies) {
    std::unique_ptr<SSL, decltype(&SSL_free)> probe(SSL_new(ctx.get()), SSL_free);
    if (!probe || !apply(probe.get(), *p))
      throw Error(p->label + ": tls: OpenSSL refuses these settings: " + take_openssl_errors());
  }

  if (SSL_CTX_set_ex_data(ctx.get(), state_index(), state.get()) != 1)
    throw Error("TLS: cannot attach the site policies: " + take_openssl_errors());
  state.release();  // now the SSL_CTX's
  ctx_ = ctx.release();
}

ServerContext::~ServerContext() { SSL_CTX_free(ctx_); }

std::string_view ServerContext::server_name(const SSL* ssl) {
  const Choice* c = choice_of(ssl);
  return c ? std::string_view(c->server_name) : std::string_view();
}

void ServerContext::set_name_without_sni(SSL* ssl, std::string name) {
  if (Choice* c = choice_for(ssl)) c->name_without_sni = std::move(name);
}

bool ServerContext::verifies_client_certificates(const SSL* ssl) {
  const Choice* c = choice_of(ssl);
  return c && c->policy && c->policy->verify_chain;
}

}  // namespace pogo::tls
