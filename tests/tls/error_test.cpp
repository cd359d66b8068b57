#include <doctest/doctest.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "tls/error.h"

TEST_CASE("take_openssl_errors: reads and clears this thread's queue") {
  CHECK(pogo::tls::take_openssl_errors().empty());
  BIO* b = BIO_new_mem_buf("not a certificate", -1);
  CHECK(PEM_read_bio_X509(b, nullptr, nullptr, nullptr) == nullptr);
  BIO_free(b);
  std::string e = pogo::tls::take_openssl_errors();
  CHECK(e.find("no start line") != std::string::npos);
  CHECK(pogo::tls::take_openssl_errors().empty());
}
