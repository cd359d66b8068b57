// An ACME account key and the JSON Web Signatures (RFC 7515) that carry every ACME request.
//
// ACME (RFC 8555 §6.2) authenticates each POST with a flattened JWS signed by the account key:
// the first request of an account carries the public key itself (`jwk`), every later one the
// account URL (`kid`). Pogo's account keys are ECDSA P-256, signed with ES256, whose signature is
// the raw 64-byte r||s pair (RFC 7518 §3.4), not OpenSSL's DER form. The key's RFC 7638
// thumbprint is the second half of every challenge's key authorization.
//
// Threads: an AccountKey is immutable after construction; any thread may sign with it (each
// signature uses its own OpenSSL context).
#pragma once

#include <openssl/evp.h>

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace pogo::tls {

// Base64url without padding (RFC 7515 §2), the encoding of every binary value in JOSE and ACME.
std::string base64url(std::string_view bytes);
// The inverse; throws tls::Error on a character outside the alphabet.
std::string base64url_decode(std::string_view text);

// The RFC 7638 thumbprint (SHA-256, base64url) of a public JWK: only the members its key type
// requires, in lexicographic order, without whitespace. Supports "EC" and "RSA" (the RSA case is
// the RFC's own example). Throws tls::Error on another key type or a missing member.
std::string jwk_thumbprint(const nlohmann::json& jwk);

class AccountKey {
 public:
  // A new ECDSA P-256 key.
  static AccountKey generate();
  // A P-256 private key in PEM, PKCS#8 or SEC1 ("EC PRIVATE KEY", which Caddy writes). `what`
  // names the source in errors. Throws tls::Error.
  static AccountKey from_pem(const std::string& pem, const std::string& what);

  // SEC1 "EC PRIVATE KEY" PEM, the form Caddy stores account keys in, so either can read the
  // other's account.
  std::string to_pem() const;
  // The public key as a JWK: {"crv":"P-256","kty":"EC","x":...,"y":...}.
  const nlohmann::json& jwk() const { return jwk_; }
  const std::string& thumbprint() const { return thumbprint_; }
  // token + "." + thumbprint (RFC 8555 §8.1).
  std::string key_authorization(std::string_view token) const;
  // ES256 over `data`: SHA-256, ECDSA, r and s each as 32 big-endian bytes.
  std::string sign_es256(std::string_view data) const;
  EVP_PKEY* pkey() const { return key_.get(); }

 private:
  struct Free {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
  };
  explicit AccountKey(EVP_PKEY* key);
  std::shared_ptr<EVP_PKEY> key_;  // shared: copies of an AccountKey sign with the same key
  nlohmann::json jwk_;
  std::string thumbprint_;
};

// The flattened JWS JSON body of one ACME POST to `url` (RFC 8555 §6.2). With `kid` empty the
// header carries the key's JWK (newAccount); otherwise the account URL. A `payload` of nullopt
// is a POST-as-GET (empty payload, §6.3); an empty JSON object is "{}" (a challenge response).
std::string jws_encode(const AccountKey& key, std::string_view kid, std::string_view nonce, std::string_view url,
                       const std::optional<nlohmann::json>& payload);

}  // namespace pogo::tls
