// Test helpers for tls/: a temporary storage directory removed at the end of the test, and
// OpenSSL verification of an issued chain against a root, for a host name or an IP address.
#pragma once

#include <openssl/pem.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "tls/cert_builder.h"
#include "tls/error.h"

namespace pogo::tls::testing {

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "pogo-tls-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp");
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

inline std::vector<X509*> read_pem_certs(const std::string& pem) {
  std::vector<X509*> out;
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  while (X509* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) out.push_back(x);
  BIO_free(bio);
  take_openssl_errors();  // the end of the input leaves "no start line" on the queue
  return out;
}

inline void free_certs(std::vector<X509*>& certs) {
  for (X509* x : certs) X509_free(x);
  certs.clear();
}

// X509_verify_cert of chain_pem's first certificate, the rest as untrusted intermediates,
// against root_pem alone, as a TLS server certificate for `name` (a host or an IP), at time
// `at`. Returns "" when it verifies, else OpenSSL's reason.
inline std::string verify_chain(const std::string& chain_pem, const std::string& root_pem, const std::string& name,
                                std::chrono::system_clock::time_point at) {
  std::vector<X509*> chain = read_pem_certs(chain_pem);
  std::vector<X509*> roots = read_pem_certs(root_pem);
  if (chain.empty() || roots.empty()) return "no certificate";
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, roots[0]);
  STACK_OF(X509)* untrusted = sk_X509_new_null();
  for (size_t i = 1; i < chain.size(); ++i) sk_X509_push(untrusted, chain[i]);
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, chain[0], untrusted);
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx);
  X509_VERIFY_PARAM_set_time(param, std::chrono::system_clock::to_time_t(at));
  X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER);
  if (is_ip_address(name)) X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str());
  else X509_VERIFY_PARAM_set1_host(param, name.c_str(), name.size());
  std::string result;
  if (X509_verify_cert(ctx) != 1) result = X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx));
  X509_STORE_CTX_free(ctx);
  sk_X509_free(untrusted);
  X509_STORE_free(store);
  free_certs(chain);
  free_certs(roots);
  take_openssl_errors();
  return result;
}

}  // namespace pogo::tls::testing
