// tls::Error is every failure of this layer that a caller reports to a person: a certificate file
// that is missing or does not match its key, an ACME order the CA refused, a storage directory that
// cannot be written. Its message is complete on its own (what, which file or name, why).
#pragma once

#include <stdexcept>
#include <string>

namespace pogo::tls {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The reasons on OpenSSL's error queue for this thread, joined with "; ", and the queue cleared.
// "" when the queue was empty.
std::string take_openssl_errors();

}  // namespace pogo::tls
