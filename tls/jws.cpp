#include "tls/jws.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include <array>
#include <vector>

#include "tls/error.h"

namespace pogo::tls {

namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string sha256(std::string_view data) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> d{};
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), d.data());
  return std::string(reinterpret_cast<const char*>(d.data()), d.size());
}

// A P-256 coordinate or signature half as exactly 32 bytes: JWK (RFC 7518 §6.2.1.2) and ES256
// (§3.4) both require the full field width, leading zeros included.
std::string fixed32(const BIGNUM* bn) {
  std::string out(32, '\0');
  if (BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), 32) != 32)
    throw Error("ACME account key: a P-256 value does not fit 32 bytes");
  return out;
}

std::string public_coordinate(EVP_PKEY* key, const char* param) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key, param, &bn) != 1)
    throw Error("ACME account key: cannot read the public key: " + take_openssl_errors());
  std::string out;
  try {
    out = fixed32(bn);
  } catch (...) {
    BN_free(bn);
    throw;
  }
  BN_free(bn);
  return out;
}

bool is_p256(EVP_PKEY* key) {
  if (EVP_PKEY_is_a(key, "EC") != 1) return false;
  char group[64] = {};
  size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) != 1) return false;
  return std::string_view(group, len) == "prime256v1";
}

}  // namespace

std::string base64url(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  auto byte = [&](size_t k) { return static_cast<unsigned>(static_cast<unsigned char>(bytes[k])); };
  for (; i + 3 <= bytes.size(); i += 3) {
    unsigned v = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    out += kAlphabet[v >> 18 & 63];
    out += kAlphabet[v >> 12 & 63];
    out += kAlphabet[v >> 6 & 63];
    out += kAlphabet[v & 63];
  }
  if (bytes.size() - i == 1) {
    unsigned v = byte(i) << 16;
    out += kAlphabet[v >> 18 & 63];
    out += kAlphabet[v >> 12 & 63];
  } else if (bytes.size() - i == 2) {
    unsigned v = byte(i) << 16 | byte(i + 1) << 8;
    out += kAlphabet[v >> 18 & 63];
    out += kAlphabet[v >> 12 & 63];
    out += kAlphabet[v >> 6 & 63];
  }
  return out;
}

std::string base64url_decode(std::string_view text) {
  std::string out;
  unsigned acc = 0;
  int bits = 0;
  for (char c : text) {
    size_t v = kAlphabet.find(c);
    if (v == std::string_view::npos) throw Error("base64url: invalid character in '" + std::string(text) + "'");
    acc = (acc << 6 | static_cast<unsigned>(v)) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>(acc >> bits & 0xff);
    }
  }
  return out;
}

std::string jwk_thumbprint(const nlohmann::json& jwk) {
  std::string kty = jwk.value("kty", "");
  std::vector<const char*> members;  // (an initializer_list assigned here would dangle)
  if (kty == "EC")
    members = {"crv", "kty", "x", "y"};
  else if (kty == "RSA")
    members = {"e", "kty", "n"};
  else
    throw Error("JWK thumbprint: unsupported key type '" + kty + "'");
  // nlohmann::json's default object is a std::map, so dump() already orders members
  // lexicographically and writes no whitespace: exactly RFC 7638's canonical form.
  nlohmann::json required = nlohmann::json::object();
  for (const char* m : members) {
    if (!jwk.contains(m) || !jwk[m].is_string()) throw Error(std::string("JWK thumbprint: missing member '") + m + "'");
    required[m] = jwk[m];
  }
  return base64url(sha256(required.dump()));
}

AccountKey::AccountKey(EVP_PKEY* key) : key_(key, Free{}) {
  jwk_ = {{"crv", "P-256"},
          {"kty", "EC"},
          {"x", base64url(public_coordinate(key, OSSL_PKEY_PARAM_EC_PUB_X))},
          {"y", base64url(public_coordinate(key, OSSL_PKEY_PARAM_EC_PUB_Y))}};
  thumbprint_ = jwk_thumbprint(jwk_);
}

AccountKey AccountKey::generate() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  if (!key) throw Error("ACME account key: cannot generate a P-256 key: " + take_openssl_errors());
  return AccountKey(key);
}

AccountKey AccountKey::from_pem(const std::string& pem, const std::string& what) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (!key) throw Error(what + ": not a PEM private key: " + take_openssl_errors());
  if (!is_p256(key)) {
    EVP_PKEY_free(key);
    throw Error(what + ": the ACME account key must be ECDSA P-256");
  }
  return AccountKey(key);
}

std::string AccountKey::to_pem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  if (PEM_write_bio_PrivateKey_traditional(bio, key_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    BIO_free(bio);
    throw Error("ACME account key: cannot encode as PEM: " + take_openssl_errors());
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(len));
  BIO_free(bio);
  return out;
}

std::string AccountKey::key_authorization(std::string_view token) const {
  std::string out(token);
  out += '.';
  out += thumbprint_;
  return out;
}

std::string AccountKey::sign_es256(std::string_view data) const {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::string der(128, '\0');  // a P-256 DER signature is at most 72 bytes
  size_t der_len = der.size();
  bool ok = ctx && EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key_.get()) == 1 &&
            EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(der.data()), &der_len,
                           reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) throw Error("ACME: signing a request failed: " + take_openssl_errors());
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der_len));
  if (!sig) throw Error("ACME: cannot parse the ECDSA signature: " + take_openssl_errors());
  std::string raw;
  try {
    raw = fixed32(ECDSA_SIG_get0_r(sig)) + fixed32(ECDSA_SIG_get0_s(sig));
  } catch (...) {
    ECDSA_SIG_free(sig);
    throw;
  }
  ECDSA_SIG_free(sig);
  return raw;
}

std::string jws_encode(const AccountKey& key, std::string_view kid, std::string_view nonce, std::string_view url,
                       const std::optional<nlohmann::json>& payload) {
  nlohmann::json header = {{"alg", "ES256"}, {"nonce", nonce}, {"url", url}};
  if (kid.empty())
    header["jwk"] = key.jwk();
  else
    header["kid"] = kid;
  std::string protected64 = base64url(header.dump());
  std::string payload64 = payload ? base64url(payload->dump()) : std::string();
  std::string signature = key.sign_es256(protected64 + "." + payload64);
  nlohmann::json body = {{"protected", protected64}, {"payload", payload64}, {"signature", base64url(signature)}};
  return body.dump();
}

}  // namespace pogo::tls
