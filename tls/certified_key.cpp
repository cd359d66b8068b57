#include "tls/certified_key.h"

namespace pogo::tls {

CertifiedKey::~CertifiedKey() {
  X509_free(leaf);
  for (X509* c : chain) X509_free(c);
  EVP_PKEY_free(key);
}

}  // namespace pogo::tls
