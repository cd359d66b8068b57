#include "tls/internal_issuer.h"

#include "tls/error.h"

namespace pogo::tls {

InternalIssuer::InternalIssuer(std::shared_ptr<LocalCA> ca, std::chrono::seconds lifetime)
    : ca_(std::move(ca)), lifetime_(lifetime) {
  if (!ca_) throw Error("internal issuer: no local CA");
}

IssuedCertificate InternalIssuer::issue(const std::vector<std::string>& names) {
  if (names.empty()) throw Error("internal issuer: no names to issue a certificate for");
  std::vector<std::string> clean;
  for (const std::string& n : names) {
    std::string s = n;
    if (s.size() > 2 && s.front() == '[' && s.back() == ']') s = s.substr(1, s.size() - 2);
    for (char& c : s)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (s.empty()) throw Error("internal issuer: an empty name");
    clean.push_back(std::move(s));
  }
  return ca_->issue_leaf(clean, lifetime_);
}

}  // namespace pogo::tls
