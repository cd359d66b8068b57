// Certificate files are the `tls <cert_file> <key_file>` form of a site: a PEM chain (leaf first,
// then intermediates) and its PEM private key, read once at start-up or reload. A mistake here
// is an operator's, so every error names the file and says what was wrong with it.
//
// Threads: the main thread (configuration loading); the function keeps no state.
#pragma once

#include <memory>
#include <string>

#include "tls/certified_key.h"

namespace pogo::tls {

// Reads and checks both files. Throws tls::Error:
//   certificate file /x/c.pem: No such file or directory      (errno's text; directories too)
//   certificate file /x/c.pem: no certificate found (PEM expected)
//   key file /x/k.pem: no private key found (PEM expected)
//   the private key in /x/k.pem does not belong to the certificate in /x/c.pem
std::shared_ptr<const CertifiedKey> load_certificate_files(const std::string& cert_file, const std::string& key_file);

}  // namespace pogo::tls
