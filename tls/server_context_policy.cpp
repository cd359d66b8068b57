#include "tls/server_context_policy.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "tls/error.h"

namespace pogo::tls {

namespace {

struct NamedValue {
  const char* caddy;
  const char* openssl;  // nullptr: accepted, nothing to set (TLS 1.3 suites)
};

// The suites Caddy accepts (Go's tls.CipherSuites()), with OpenSSL's name for each. Go does not
// let TLS 1.3 suites be configured and neither does Caddy, though it accepts their names.
constexpr NamedValue kCiphers[] = {
    {"TLS_AES_128_GCM_SHA256", nullptr},
    {"TLS_AES_256_GCM_SHA384", nullptr},
    {"TLS_CHACHA20_POLY1305_SHA256", nullptr},
    {"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384"},
    {"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384"},
    {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256"},
    {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256"},
    {"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305"},
    {"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305"},
    {"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA-AES256-SHA"},
    {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA"},
    {"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA-AES256-SHA"},
    {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA-AES128-SHA"},
    {"TLS_RSA_WITH_AES_128_GCM_SHA256", "AES128-GCM-SHA256"},
    {"TLS_RSA_WITH_AES_256_GCM_SHA384", "AES256-GCM-SHA384"},
    {"TLS_RSA_WITH_AES_256_CBC_SHA", "AES256-SHA"},
    {"TLS_RSA_WITH_AES_128_CBC_SHA", "AES128-SHA"},
};

// Caddy's default TLS 1.2 suites: forward-secret AEADs only.
constexpr const char* kDefaultCiphers =
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256:"
    "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

constexpr NamedValue kCurves[] = {
    {"x25519", "X25519"},
    {"secp256r1", "P-256"},
    {"secp384r1", "P-384"},
    {"secp521r1", "P-521"},
};
constexpr const char* kDefaultCurves = "X25519:P-256:P-384";

template <size_t N>
std::string known_names(const NamedValue (&table)[N]) {
  std::string out;
  for (const NamedValue& v : table) out += (out.empty() ? "" : " ") + std::string(v.caddy);
  return out;
}

std::string lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

std::string site_label(const SitePolicy& p) {
  if (p.names.empty()) return "the default TLS policy";
  std::string out = "site";
  for (const std::string& n : p.names) out += " " + n;
  return out;
}

int parse_version(const std::string& v, const std::string& label) {
  if (v == "tls1.2") return TLS1_2_VERSION;
  if (v == "tls1.3") return TLS1_3_VERSION;
  throw Error(label + ": tls protocols: unsupported version '" + v + "' (tls1.2 or tls1.3 expected)");
}

// Appends every certificate of a PEM file to the store and its subject to the CA name list.
void load_trusted(const std::string& file, CompiledPolicy& out) {
  auto fail = [&](const std::string& why) {
    return Error(out.label + ": tls client_auth: trusted CA certificate file " + file + ": " + why);
  };
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_file(file.c_str(), "r"), BIO_free);
  if (!bio) {
    ERR_clear_error();
    throw fail(std::strerror(errno));
  }
  int count = 0;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    bool ok = X509_STORE_add_cert(out.trusted, cert) == 1;
    X509_NAME* name = X509_NAME_dup(X509_get_subject_name(cert));
    X509_free(cert);
    if (!ok || !name || sk_X509_NAME_push(out.ca_names, name) == 0) {
      X509_NAME_free(name);
      throw fail(take_openssl_errors());
    }
    ++count;
  }
  ERR_clear_error();
  if (count == 0) throw fail("no certificate found (PEM expected)");
}

void compile_client_auth(const ClientAuth& auth, CompiledPolicy& out) {
  std::string mode = auth.mode;
  if (mode.empty()) mode = auth.trusted_ca_cert_files.empty() ? "require" : "require_and_verify";
  if (mode == "request") {
    out.verify_mode = SSL_VERIFY_PEER;
  } else if (mode == "require") {
    out.verify_mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
  } else if (mode == "verify_if_given") {
    out.verify_mode = SSL_VERIFY_PEER;
    out.verify_chain = true;
  } else if (mode == "require_and_verify") {
    out.verify_mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    out.verify_chain = true;
  } else {
    throw Error(out.label + ": tls client_auth: unknown mode '" + mode +
                "' (request, require, verify_if_given or require_and_verify expected)");
  }
  if (out.verify_chain && auth.trusted_ca_cert_files.empty())
    throw Error(out.label + ": tls client_auth: mode " + mode + " needs trusted CA certificates");
  out.trusted = X509_STORE_new();
  out.ca_names = sk_X509_NAME_new_null();
  if (!out.trusted || !out.ca_names) throw Error(out.label + ": tls client_auth: " + take_openssl_errors());
  for (const std::string& file : auth.trusted_ca_cert_files) load_trusted(file, out);
}

}  // namespace

CompiledPolicy::~CompiledPolicy() {
  X509_STORE_free(trusted);
  sk_X509_NAME_pop_free(ca_names, X509_NAME_free);
}

std::unique_ptr<CompiledPolicy> compile_policy(const SitePolicy& policy) {
  auto out = std::make_unique<CompiledPolicy>();
  out->label = site_label(policy);
  for (const std::string& n : policy.names) out->names.push_back(lower(n));

  out->min_version = parse_version(policy.min_version, out->label);
  out->max_version = parse_version(policy.max_version, out->label);
  if (out->min_version > out->max_version)
    throw Error(out->label + ": tls protocols: the minimum " + policy.min_version + " is above the maximum " +
                policy.max_version);

  for (const std::string& name : policy.ciphers) {
    const NamedValue* found = nullptr;
    for (const NamedValue& v : kCiphers)
      if (name == v.caddy) found = &v;
    if (!found)
      throw Error(out->label + ": tls ciphers: unknown cipher suite '" + name + "' (supported: " +
                  known_names(kCiphers) + ")");
    if (found->openssl) out->cipher_list += (out->cipher_list.empty() ? "" : ":") + std::string(found->openssl);
  }
  // Only TLS 1.3 names given: Go keeps its TLS 1.2 defaults then too.
  if (out->cipher_list.empty()) out->cipher_list = kDefaultCiphers;

  for (const std::string& name : policy.curves) {
    const NamedValue* found = nullptr;
    for (const NamedValue& v : kCurves)
      if (lower(name) == v.caddy) found = &v;
    if (!found)
      throw Error(out->label + ": tls curves: unknown curve '" + name + "' (supported: " + known_names(kCurves) + ")");
    out->groups += (out->groups.empty() ? "" : ":") + std::string(found->openssl);
  }
  if (out->groups.empty()) out->groups = kDefaultCurves;

  out->alpn = policy.alpn.empty() ? std::vector<std::string>{"h2", "http/1.1"} : policy.alpn;
  for (const std::string& p : out->alpn)
    if (p.empty() || p.size() > 255)
      throw Error(out->label + ": tls alpn: a protocol name must be 1 to 255 bytes long");

  if (policy.client_auth) compile_client_auth(*policy.client_auth, *out);

  // The session context is derived from what the policy admits (its names and client
  // authentication), not its position: the ticket keys outlive a reload, and a ticket must not
  // resume on another site that took this one's place in the list. SHA-256 is exactly
  // SSL_MAX_SID_CTX_LENGTH bytes.
  std::string scope = "names";
  for (const std::string& n : out->names) scope += "|" + n;
  scope += "|auth|" + std::to_string(out->verify_mode) + (out->verify_chain ? "|verify" : "");
  if (policy.client_auth)
    for (const std::string& f : policy.client_auth->trusted_ca_cert_files) scope += "|" + f;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(scope.data()), scope.size(), digest);
  out->session_id_context.assign(reinterpret_cast<const char*>(digest), sizeof digest);
  return out;
}

}  // namespace pogo::tls
