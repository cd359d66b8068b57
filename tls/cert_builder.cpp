#include "tls/cert_builder.h"

#include <arpa/inet.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <ctime>

#include "tls/error.h"

namespace pogo::tls {

namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

[[noreturn]] void fail(const std::string& what) {
  std::string why = take_openssl_errors();
  throw Error(what + (why.empty() ? "" : ": " + why));
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

std::string_view strip_brackets(std::string_view name) {
  if (name.size() > 2 && name.front() == '[' && name.back() == ']') return name.substr(1, name.size() - 2);
  return name;
}

// A positive 127-bit random serial: unique without a counter to persist (RFC 5280 allows 20
// octets; Go's CA code and smallstep use 128 random bits as well).
void set_random_serial(X509* cert) {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) fail("random serial number");
  bytes[0] &= 0x7f;
  bytes[0] |= 0x01;  // never zero, never shorter than 16 bytes by accident
  BIGNUM* bn = BN_bin2bn(bytes, sizeof bytes, nullptr);
  bool ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != nullptr;
  BN_free(bn);
  if (!ok) fail("serial number");
}

void add_conf_ext(X509* cert, X509V3_CTX* ctx, int nid, const char* value) {
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, ctx, nid, value);
  if (!ext) fail(std::string("certificate extension ") + OBJ_nid2sn(nid));
  int ok = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  if (ok != 1) fail(std::string("adding extension ") + OBJ_nid2sn(nid));
}

// subjectAltName built entry by entry rather than from a config string, so a name cannot smuggle
// a ',' or an "IP:" of its own into the list.
void add_subject_alt_names(X509* cert, const std::vector<std::string>& names, bool critical) {
  GENERAL_NAMES* gens = sk_GENERAL_NAME_new_null();
  auto free_all = [&] { sk_GENERAL_NAME_pop_free(gens, GENERAL_NAME_free); };
  for (const std::string& name : names) {
    GENERAL_NAME* gen = GENERAL_NAME_new();
    if (!gen) {
      free_all();
      fail("subjectAltName");
    }
    if (is_ip_address(name)) {
      std::string ip(strip_brackets(name));
      ASN1_OCTET_STRING* octets = a2i_IPADDRESS(ip.c_str());
      if (!octets) {
        GENERAL_NAME_free(gen);
        free_all();
        fail("IP address " + name);
      }
      GENERAL_NAME_set0_value(gen, GEN_IPADD, octets);
    } else {
      ASN1_IA5STRING* dns = ASN1_IA5STRING_new();
      if (!dns || ASN1_STRING_set(dns, name.data(), static_cast<int>(name.size())) != 1) {
        ASN1_IA5STRING_free(dns);
        GENERAL_NAME_free(gen);
        free_all();
        fail("DNS name " + name);
      }
      GENERAL_NAME_set0_value(gen, GEN_DNS, dns);
    }
    sk_GENERAL_NAME_push(gens, gen);
  }
  int ok = X509_add1_ext_i2d(cert, NID_subject_alt_name, gens, critical ? 1 : 0, X509V3_ADD_DEFAULT);
  free_all();
  if (ok != 1) fail("adding subjectAltName");
}

void set_time(ASN1_TIME* field, std::chrono::system_clock::time_point t) {
  if (!ASN1_TIME_set(field, std::chrono::system_clock::to_time_t(t))) fail("certificate validity");
}

std::chrono::system_clock::time_point from_asn1(const ASN1_TIME* t) {
  struct tm tm = {};
  if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return {};
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

}  // namespace

PkeyPtr generate_p256_key() {
  PkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) fail("generating a P-256 key");
  return key;
}

bool is_ip_address(std::string_view name) {
  std::string s(strip_brackets(name));
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

X509Ptr build_certificate(const CertRequest& req, EVP_PKEY* subject_key, X509* issuer, EVP_PKEY* issuer_key) {
  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), 2) != 1) fail("new certificate");
  set_random_serial(cert.get());
  set_time(X509_getm_notBefore(cert.get()), req.not_before);
  set_time(X509_getm_notAfter(cert.get()), req.not_after);
  if (X509_set_pubkey(cert.get(), subject_key) != 1) fail("certificate public key");

  // A leaf is named by its SANs; its CN repeats the first one when it fits (64 characters,
  // RFC 5280's upper bound), for tools that still show only the CN.
  std::string cn = req.common_name;
  if (cn.empty() && req.kind == CertKind::leaf && !req.names.empty() && req.names.front().size() <= 64)
    cn = req.names.front();
  X509_NAME* subject = X509_get_subject_name(cert.get());
  if (!cn.empty() && X509_NAME_add_entry_by_NID(subject, NID_commonName, MBSTRING_UTF8,
                                                reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0) != 1)
    fail("certificate subject");
  X509_NAME* issuer_name = issuer ? X509_get_subject_name(issuer) : subject;
  if (X509_set_issuer_name(cert.get(), issuer_name) != 1) fail("certificate issuer");

  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer ? issuer : cert.get(), cert.get(), nullptr, nullptr, 0);
  switch (req.kind) {
    case CertKind::root:
      add_conf_ext(cert.get(), &ctx, NID_basic_constraints, "critical,CA:TRUE,pathlen:1");
      add_conf_ext(cert.get(), &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
      add_conf_ext(cert.get(), &ctx, NID_subject_key_identifier, "hash");
      break;
    case CertKind::intermediate:
      add_conf_ext(cert.get(), &ctx, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
      add_conf_ext(cert.get(), &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
      add_conf_ext(cert.get(), &ctx, NID_subject_key_identifier, "hash");
      add_conf_ext(cert.get(), &ctx, NID_authority_key_identifier, "keyid");
      break;
    case CertKind::leaf:
      if (req.names.empty()) throw Error("a leaf certificate needs at least one name");
      add_conf_ext(cert.get(), &ctx, NID_basic_constraints, "critical,CA:FALSE");
      add_conf_ext(cert.get(), &ctx, NID_key_usage, "critical,digitalSignature");
      add_conf_ext(cert.get(), &ctx, NID_ext_key_usage, "serverAuth,clientAuth");
      add_conf_ext(cert.get(), &ctx, NID_subject_key_identifier, "hash");
      add_conf_ext(cert.get(), &ctx, NID_authority_key_identifier, "keyid");
      // RFC 5280 §4.2.1.6: with an empty subject the SAN extension must be critical.
      add_subject_alt_names(cert.get(), req.names, cn.empty());
      break;
  }

  // EdDSA keys sign without a separate digest; everything else here uses SHA-256, as Go does
  // for P-256 (ecdsa-with-SHA256).
  int type = EVP_PKEY_get_base_id(issuer_key);
  const EVP_MD* md = (type == EVP_PKEY_ED25519 || type == EVP_PKEY_ED448) ? nullptr : EVP_sha256();
  if (X509_sign(cert.get(), issuer_key, md) <= 0) fail("signing the certificate");
  return cert;
}

std::string cert_to_pem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) fail("encoding a certificate");
  return bio_text(bio.get());
}

std::string key_to_traditional_pem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey_traditional(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    fail("encoding a private key");
  return bio_text(bio.get());
}

std::string key_to_pkcs8_pem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    fail("encoding a private key");
  return bio_text(bio.get());
}

X509Ptr cert_from_pem(std::string_view pem, const std::string& what) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  X509Ptr cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!cert) fail(what + ": no certificate in PEM");
  return cert;
}

PkeyPtr key_from_pem(std::string_view pem, const std::string& what) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  // A password callback that refuses: OpenSSL's default one would prompt on the terminal.
  pem_password_cb* no_password = [](char*, int, int, void*) { return 0; };
  PkeyPtr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, no_password, nullptr) : nullptr);
  if (!key) fail(what + ": no private key in PEM");
  return key;
}

std::chrono::system_clock::time_point not_before_of(const X509* cert) { return from_asn1(X509_get0_notBefore(cert)); }
std::chrono::system_clock::time_point not_after_of(const X509* cert) { return from_asn1(X509_get0_notAfter(cert)); }

}  // namespace pogo::tls
