#include "mercure/jwt.h"

#include "mercure/base64url.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cmath>

namespace pogo::mercure {

namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

bool is_hmac(JwtAlg alg) { return alg == JwtAlg::HS256 || alg == JwtAlg::HS384 || alg == JwtAlg::HS512; }

const EVP_MD* digest_of(JwtAlg alg) {
  switch (alg) {
    case JwtAlg::HS256:
    case JwtAlg::RS256:
    case JwtAlg::ES256: return EVP_sha256();
    case JwtAlg::HS384: return EVP_sha384();
    case JwtAlg::HS512:
    case JwtAlg::RS512: return EVP_sha512();
  }
  return nullptr;
}

// A public key from PEM text: a public key in any form OpenSSL's decoders know (SubjectPublicKeyInfo,
// PKCS#1), else the key of a certificate.
PkeyPtr public_key_from_pem(std::string_view pem) {
  EVP_PKEY* pkey = nullptr;
  OSSL_DECODER_CTX* dctx = OSSL_DECODER_CTX_new_for_pkey(&pkey, "PEM", nullptr, nullptr,
                                                         OSSL_KEYMGMT_SELECT_PUBLIC_KEY, nullptr, nullptr);
  if (dctx) {
    const auto* data = reinterpret_cast<const unsigned char*>(pem.data());
    size_t len = pem.size();
    OSSL_DECODER_from_data(dctx, &data, &len);
    OSSL_DECODER_CTX_free(dctx);
  }
  if (pkey) return PkeyPtr(pkey);
  ERR_clear_error();
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (!bio) return nullptr;
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (!cert) {
    ERR_clear_error();
    return nullptr;
  }
  PkeyPtr key(X509_get_pubkey(cert));
  X509_free(cert);
  return key;
}

bool is_p256(EVP_PKEY* pkey) {
  char group[64] = {};
  size_t len = 0;
  if (!EVP_PKEY_is_a(pkey, "EC") ||
      EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) != 1)
    return false;
  const std::string_view name(group, len);
  return name == "prime256v1" || name == "P-256" || name == "secp256r1";
}

// JWS's ES256 signature is r||s, 32 bytes each (RFC 7518 §3.4); EVP_DigestVerify wants DER.
std::optional<std::string> es256_to_der(std::string_view raw) {
  if (raw.size() != 64) return std::nullopt;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), 32, nullptr);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + 32, 32, nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig, r, s) != 1) {
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    return std::nullopt;
  }
  std::optional<std::string> out;
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig, &der);
  if (len > 0) out.emplace(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  ECDSA_SIG_free(sig);
  return out;
}

std::optional<nlohmann::json> json_object(std::string_view b64) {
  auto text = base64url_decode(b64);
  if (!text) return std::nullopt;
  auto j = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return std::nullopt;
  return j;
}

JwtResult fail(JwtError error, std::string detail) {
  JwtResult r;
  r.error = error;
  r.detail = std::move(detail);
  return r;
}

// A list of topic selectors: an array of strings, nothing else.
bool string_array(const nlohmann::json& j, std::vector<std::string>* out) {
  if (!j.is_array()) return false;
  for (const auto& item : j) {
    if (!item.is_string()) return false;
    out->push_back(item.get<std::string>());
  }
  return true;
}

}  // namespace

struct JwtVerifier::Key {
  std::string secret;  // HS*
  PkeyPtr pkey;        // RS*, ES256
};

std::optional<JwtAlg> parse_jwt_alg(std::string_view name) {
  if (name == "HS256") return JwtAlg::HS256;
  if (name == "HS384") return JwtAlg::HS384;
  if (name == "HS512") return JwtAlg::HS512;
  if (name == "RS256") return JwtAlg::RS256;
  if (name == "RS512") return JwtAlg::RS512;
  if (name == "ES256") return JwtAlg::ES256;
  return std::nullopt;
}

std::string_view jwt_alg_name(JwtAlg alg) {
  switch (alg) {
    case JwtAlg::HS256: return "HS256";
    case JwtAlg::HS384: return "HS384";
    case JwtAlg::HS512: return "HS512";
    case JwtAlg::RS256: return "RS256";
    case JwtAlg::RS512: return "RS512";
    case JwtAlg::ES256: return "ES256";
  }
  return "?";
}

std::string_view jwt_error_name(JwtError error) {
  switch (error) {
    case JwtError::none: return "none";
    case JwtError::malformed: return "malformed token";
    case JwtError::wrong_alg: return "wrong algorithm";
    case JwtError::bad_signature: return "bad signature";
    case JwtError::expired: return "token expired";
    case JwtError::not_yet_valid: return "token not valid yet";
  }
  return "?";
}

JwtVerifier::JwtVerifier(JwtAlg alg, std::unique_ptr<Key> key) : alg_(alg), key_(std::move(key)) {}
JwtVerifier::~JwtVerifier() = default;

std::unique_ptr<JwtVerifier> JwtVerifier::create(std::string_view key, JwtAlg alg, std::string* error) {
  auto k = std::make_unique<Key>();
  if (key.empty()) {
    *error = "the JWT key is empty";
    return nullptr;
  }
  if (is_hmac(alg)) {
    k->secret = std::string(key);
  } else {
    // A private key would verify too, but it has no business in the hub's configuration: say so
    // rather than quietly accept it.
    if (key.find("PRIVATE KEY-----") != std::string_view::npos) {
      *error = "the JWT key for " + std::string(jwt_alg_name(alg)) +
               " is a private key: give the hub the public key (or a certificate)";
      return nullptr;
    }
    k->pkey = public_key_from_pem(key);
    if (!k->pkey) {
      *error = std::string("the JWT key for ") + std::string(jwt_alg_name(alg)) +
               " is not a PEM public key or certificate";
      return nullptr;
    }
    if (alg == JwtAlg::ES256 ? !is_p256(k->pkey.get()) : !EVP_PKEY_is_a(k->pkey.get(), "RSA")) {
      *error = std::string("the JWT key is not ") + (alg == JwtAlg::ES256 ? "an EC P-256" : "an RSA") +
               " public key, as " + std::string(jwt_alg_name(alg)) + " needs";
      return nullptr;
    }
  }
  return std::unique_ptr<JwtVerifier>(new JwtVerifier(alg, std::move(k)));
}

bool JwtVerifier::signature_valid(std::string_view input, std::string_view signature) const {
  const EVP_MD* md = digest_of(alg_);
  if (is_hmac(alg_)) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    if (!HMAC(md, key_->secret.data(), static_cast<int>(key_->secret.size()),
              reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &mac_len))
      return false;
    return signature.size() == mac_len && CRYPTO_memcmp(mac, signature.data(), mac_len) == 0;
  }
  std::optional<std::string> der;
  if (alg_ == JwtAlg::ES256) {
    der = es256_to_der(signature);
    if (!der) return false;
    signature = *der;
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = ctx && EVP_DigestVerifyInit(ctx, nullptr, md, nullptr, key_->pkey.get()) == 1 &&
            EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                             reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  ERR_clear_error();  // a failed verification leaves errors on this thread's queue
  return ok;
}

JwtResult JwtVerifier::verify(std::string_view token, std::chrono::system_clock::time_point now) const {
  try {
    const size_t dot1 = token.find('.');
    const size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
    if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
      return fail(JwtError::malformed, "a compact JWS has three dot-separated parts");
    auto header = json_object(token.substr(0, dot1));
    if (!header) return fail(JwtError::malformed, "the header is not base64url JSON object");
    auto alg = header->find("alg");
    if (alg == header->end() || !alg->is_string()) return fail(JwtError::malformed, "the header has no alg");
    if (alg->get<std::string>() != jwt_alg_name(alg_))
      return fail(JwtError::wrong_alg,
                  "the token is signed with " + alg->get<std::string>() + ", the hub expects " +
                      std::string(jwt_alg_name(alg_)));
    if (header->contains("crit")) return fail(JwtError::malformed, "the header has crit extensions");
    auto signature = base64url_decode(token.substr(dot2 + 1));
    if (!signature) return fail(JwtError::malformed, "the signature is not base64url");
    if (!signature_valid(token.substr(0, dot2), *signature))
      return fail(JwtError::bad_signature, "the signature does not verify with the configured key");

    auto claims = json_object(token.substr(dot1 + 1, dot2 - dot1 - 1));
    if (!claims) return fail(JwtError::malformed, "the claims are not a base64url JSON object");
    JwtResult result;
    const double now_s = std::chrono::duration<double>(now.time_since_epoch()).count();
    if (auto exp = claims->find("exp"); exp != claims->end()) {
      if (!exp->is_number()) return fail(JwtError::malformed, "exp is not a number");
      const double e = exp->get<double>();
      if (!std::isfinite(e)) return fail(JwtError::malformed, "exp is not a finite number");
      if (now_s >= e) return fail(JwtError::expired, "the token expired (exp)");
      // Past what the clock's duration holds (year 2262 in nanoseconds): never, in practice.
      using Clock = std::chrono::system_clock;
      const double max_s = std::chrono::duration<double>(Clock::time_point::max().time_since_epoch()).count();
      result.expires = e >= max_s ? Clock::time_point::max()
                                  : Clock::time_point(std::chrono::duration_cast<Clock::duration>(
                                        std::chrono::duration<double>(e)));
    }
    if (auto nbf = claims->find("nbf"); nbf != claims->end()) {
      if (!nbf->is_number()) return fail(JwtError::malformed, "nbf is not a number");
      if (now_s < nbf->get<double>()) return fail(JwtError::not_yet_valid, "the token is not valid yet (nbf)");
    }
    if (auto m = claims->find("mercure"); m != claims->end()) {
      if (!m->is_object()) return fail(JwtError::malformed, "the mercure claim is not an object");
      if (auto p = m->find("publish"); p != m->end() && !p->is_null() && !string_array(*p, &result.claim.publish))
        return fail(JwtError::malformed, "mercure.publish is not an array of strings");
      if (auto s = m->find("subscribe");
          s != m->end() && !s->is_null() && !string_array(*s, &result.claim.subscribe))
        return fail(JwtError::malformed, "mercure.subscribe is not an array of strings");
      if (auto pl = m->find("payload"); pl != m->end()) result.claim.payload = *pl;
    }
    return result;
  } catch (const std::exception& e) {  // allocation failure, or a json accessor we did not foresee
    return fail(JwtError::malformed, e.what());
  }
}

}  // namespace pogo::mercure
