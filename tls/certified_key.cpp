#include "tls/certified_key.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <ctime>

#include "tls/error.h"

namespace pogo::tls {

namespace {

// OpenSSL's PEM readers ask for a pass phrase on the terminal when no callback is given; a server
// must never block on stdin, so this one refuses and remembers that a pass phrase was wanted.
int refuse_pass_phrase(char*, int, int, void* asked) {
  *static_cast<bool*>(asked) = true;
  return -1;
}

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

BioPtr memory_bio(const std::string& text) {
  return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

std::chrono::system_clock::time_point to_time_point(const ASN1_TIME* t) {
  struct tm tm = {};
  if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return {};
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

std::string lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

// The DNS names (lower-cased: SNI lookups compare lower-case) and IP addresses (as text, the
// form a Caddyfile names them in) of the leaf's subjectAltName extension.
std::vector<std::string> san_names(X509* leaf) {
  std::vector<std::string> names;
  auto* sans = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(leaf, NID_subject_alt_name, nullptr, nullptr));
  if (!sans) return names;
  for (int i = 0; i < sk_GENERAL_NAME_num(sans); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(sans, i);
    if (gn->type == GEN_DNS) {
      const ASN1_IA5STRING* s = gn->d.dNSName;
      names.push_back(lower(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                        static_cast<size_t>(ASN1_STRING_length(s)))));
    } else if (gn->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* ip = gn->d.iPAddress;
      char text[INET6_ADDRSTRLEN] = {};
      int family = ASN1_STRING_length(ip) == 4 ? AF_INET : ASN1_STRING_length(ip) == 16 ? AF_INET6 : 0;
      if (family && inet_ntop(family, ASN1_STRING_get0_data(ip), text, sizeof text)) names.emplace_back(text);
    }
  }
  GENERAL_NAMES_free(sans);
  return names;
}

}  // namespace

CertifiedKey::~CertifiedKey() {
  X509_free(leaf);
  for (X509* c : chain) X509_free(c);
  EVP_PKEY_free(key);
}

std::shared_ptr<const CertifiedKey> CertifiedKey::from_pem(const std::string& chain_pem, const std::string& key_pem,
                                                          const std::string& what) {
  auto out = std::make_shared<CertifiedKey>();  // its destructor frees whatever is parsed so far

  BioPtr chain_bio = memory_bio(chain_pem);
  bool asked = false;
  out->leaf = PEM_read_bio_X509(chain_bio.get(), nullptr, refuse_pass_phrase, &asked);
  if (!out->leaf) {
    ERR_clear_error();
    throw Error(what + ": no certificate found (PEM expected)");
  }
  // The rest of the chain: read until the PEM reader finds no further start line, which is the
  // normal end of the text; any other failure is a damaged certificate worth reporting.
  while (X509* next = PEM_read_bio_X509(chain_bio.get(), nullptr, refuse_pass_phrase, &asked))
    out->chain.push_back(next);
  unsigned long last = ERR_peek_last_error();
  if (last != 0 && !(ERR_GET_LIB(last) == ERR_LIB_PEM && ERR_GET_REASON(last) == PEM_R_NO_START_LINE))
    throw Error(what + ": certificate " + std::to_string(out->chain.size() + 2) +
                " of the chain is damaged: " + take_openssl_errors());
  ERR_clear_error();

  BioPtr key_bio = memory_bio(key_pem);
  out->key = PEM_read_bio_PrivateKey(key_bio.get(), nullptr, refuse_pass_phrase, &asked);
  if (!out->key) {
    ERR_clear_error();
    if (asked) throw Error(what + ": the private key is encrypted (a key without a pass phrase is expected)");
    throw Error(what + ": no private key found (PEM expected)");
  }
  if (X509_check_private_key(out->leaf, out->key) != 1) {
    ERR_clear_error();
    throw Error(what + ": the private key does not belong to the certificate");
  }

  out->names = san_names(out->leaf);
  out->not_before = to_time_point(X509_get0_notBefore(out->leaf));
  out->not_after = to_time_point(X509_get0_notAfter(out->leaf));
  return out;
}

}  // namespace pogo::tls
