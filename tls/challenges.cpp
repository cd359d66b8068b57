#include "tls/challenges.h"

#include <arpa/inet.h>
#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>

#include <array>
#include <mutex>

#include "tls/acme_csr.h"
#include "tls/error.h"

namespace pogo::tls {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::chrono::system_clock::time_point to_time_point(const ASN1_TIME* t) {
  struct tm tm = {};
  ASN1_TIME_to_tm(t, &tm);
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

// Frees what make_tls_alpn01_certificate builds if it throws half-way.
struct Parts {
  X509* cert = X509_new();
  EVP_PKEY* key = nullptr;
  ~Parts() {
    X509_free(cert);
    EVP_PKEY_free(key);
  }
};

void check(bool ok, const std::string& name, const char* step) {
  if (!ok) throw Error("TLS-ALPN-01 certificate for " + name + ": " + step + ": " + take_openssl_errors());
}

// The subjectAltName entry: iPAddress for an IP literal (RFC 8738 §6), dNSName otherwise.
void add_san(X509* cert, const std::string& name) {
  std::string value = (is_ip_literal(name) ? "IP:" : "DNS:") + name;
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name, value.c_str());
  check(ext != nullptr, name, "subjectAltName");
  int ok = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  check(ok == 1, name, "adding subjectAltName");
}

// id-pe-acmeIdentifier (RFC 8737 §3): critical; its extnValue is the DER of
// `Authorization ::= OCTET STRING (SIZE (32))`, the SHA-256 of the key authorization.
void add_acme_identifier(X509* cert, const std::string& name, const std::string& key_authorization) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(key_authorization.data()), key_authorization.size(), digest.data());
  std::array<unsigned char, 2 + SHA256_DIGEST_LENGTH> der{};
  der[0] = V_ASN1_OCTET_STRING;
  der[1] = SHA256_DIGEST_LENGTH;
  std::copy(digest.begin(), digest.end(), der.begin() + 2);

  ASN1_OBJECT* oid = OBJ_txt2obj("1.3.6.1.5.5.7.1.31", 1);
  ASN1_OCTET_STRING* value = ASN1_OCTET_STRING_new();
  bool ok = oid && value && ASN1_OCTET_STRING_set(value, der.data(), static_cast<int>(der.size())) == 1;
  X509_EXTENSION* ext = ok ? X509_EXTENSION_create_by_OBJ(nullptr, oid, 1, value) : nullptr;
  ok = ext && X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  ASN1_OCTET_STRING_free(value);
  ASN1_OBJECT_free(oid);
  check(ok, name, "acmeIdentifier extension");
}

}  // namespace

void Challenges::put_http01(std::string token, std::string key_authorization) {
  std::unique_lock lock(mu_);
  http01_[std::move(token)] = std::move(key_authorization);
}

std::optional<std::string> Challenges::http01(std::string_view token) const {
  std::shared_lock lock(mu_);
  auto it = http01_.find(token);
  if (it == http01_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> Challenges::http01_for_path(std::string_view path) const {
  if (!path.starts_with(kHttp01PathPrefix)) return std::nullopt;
  return http01(path.substr(kHttp01PathPrefix.size()));
}

void Challenges::remove_http01(std::string_view token) {
  std::unique_lock lock(mu_);
  if (auto it = http01_.find(token); it != http01_.end()) http01_.erase(it);
}

void Challenges::put_tls_alpn01(std::string name, std::shared_ptr<const CertifiedKey> cert) {
  std::unique_lock lock(mu_);
  tls_alpn01_[lower(name)] = std::move(cert);
}

std::shared_ptr<const CertifiedKey> Challenges::tls_alpn01(std::string_view name) const {
  std::string key = lower(name);
  std::shared_lock lock(mu_);
  auto it = tls_alpn01_.find(key);
  return it == tls_alpn01_.end() ? nullptr : it->second;
}

void Challenges::remove_tls_alpn01(std::string_view name) {
  std::string key = lower(name);
  std::unique_lock lock(mu_);
  tls_alpn01_.erase(key);
}

size_t Challenges::size() const {
  std::shared_lock lock(mu_);
  return http01_.size() + tls_alpn01_.size();
}

std::string tls_alpn01_sni_name(std::string_view identifier) {
  std::string id(identifier);
  unsigned char ip[16];
  if (inet_pton(AF_INET, id.c_str(), ip) == 1)
    return std::to_string(ip[3]) + "." + std::to_string(ip[2]) + "." + std::to_string(ip[1]) + "." +
           std::to_string(ip[0]) + ".in-addr.arpa";
  if (inet_pton(AF_INET6, id.c_str(), ip) == 1) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (int i = 15; i >= 0; --i) {
      out += kHex[ip[i] & 0xf];
      out += '.';
      out += kHex[ip[i] >> 4];
      out += '.';
    }
    return out + "ip6.arpa";
  }
  return lower(identifier);
}

std::shared_ptr<const CertifiedKey> make_tls_alpn01_certificate(const std::string& name,
                                                                const std::string& key_authorization) {
  Parts p;
  p.key = EVP_EC_gen("P-256");
  check(p.cert && p.key, name, "new key");
  check(X509_set_version(p.cert, X509_VERSION_3) == 1, name, "version");

  // A random positive serial: a CA never sees this certificate, but clients reject serial 0.
  std::array<unsigned char, 16> serial_bytes{};
  check(RAND_bytes(serial_bytes.data(), serial_bytes.size()) == 1, name, "serial");
  serial_bytes[0] &= 0x7f;
  BIGNUM* serial_bn = BN_bin2bn(serial_bytes.data(), serial_bytes.size(), nullptr);
  bool serial_ok = serial_bn && BN_to_ASN1_INTEGER(serial_bn, X509_get_serialNumber(p.cert)) != nullptr;
  BN_free(serial_bn);
  check(serial_ok, name, "serial");

  // Valid from an hour ago (clock skew between us and the CA) for a week: the validation takes
  // seconds, and RFC 8737 does not constrain the dates.
  check(X509_gmtime_adj(X509_getm_notBefore(p.cert), -3600) != nullptr, name, "notBefore");
  check(X509_gmtime_adj(X509_getm_notAfter(p.cert), 7L * 24 * 3600) != nullptr, name, "notAfter");

  X509_NAME* subject = X509_get_subject_name(p.cert);
  check(X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>("ACME challenge"), -1, -1, 0) == 1,
        name, "subject");
  check(X509_set_issuer_name(p.cert, subject) == 1, name, "issuer");
  check(X509_set_pubkey(p.cert, p.key) == 1, name, "public key");
  add_san(p.cert, name);
  add_acme_identifier(p.cert, name, key_authorization);
  check(X509_sign(p.cert, p.key, EVP_sha256()) > 0, name, "signing");

  auto out = std::make_shared<CertifiedKey>();
  out->not_before = to_time_point(X509_get0_notBefore(p.cert));
  out->not_after = to_time_point(X509_get0_notAfter(p.cert));
  out->names = {name};
  out->leaf = p.cert;
  out->key = p.key;
  p.cert = nullptr;
  p.key = nullptr;
  return out;
}

}  // namespace pogo::tls
