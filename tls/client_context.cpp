#include "tls/client_context.h"

#include <openssl/err.h>

#include "tls/error.h"

namespace pogo::tls {

std::shared_ptr<SSL_CTX> make_client_context(const ClientOptions& o) {
  std::shared_ptr<SSL_CTX> ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  if (!ctx) throw Error("TLS: cannot create a client context: " + take_openssl_errors());
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_RELEASE_BUFFERS);
  if (!o.verify) {
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
    return ctx;
  }
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  if (o.trusted_ca_files.empty()) {
    if (SSL_CTX_set_default_verify_paths(ctx.get()) != 1)
      throw Error("TLS: cannot load the system's trusted certificates: " + take_openssl_errors());
    return ctx;
  }
  for (const std::string& file : o.trusted_ca_files)
    if (SSL_CTX_load_verify_locations(ctx.get(), file.c_str(), nullptr) != 1)
      throw Error("TLS: cannot load trusted CA certificates from " + file + ": " + take_openssl_errors());
  return ctx;
}

}  // namespace pogo::tls
