// Verification of the JSON Web Tokens that authorize Mercure publishers and subscribers: a compact
// JWS (RFC 7515) signed with the one algorithm the hub is configured for, whose `mercure` claim
// lists the topic selectors its bearer may publish to and subscribe to.
//
// The algorithm is the configuration's, never the token's: a token whose header names another one
// (`none`, or HS256 against an RSA key, the classic confusion) is refused before any key is used.
// HS256/HS384/HS512 use the configured string itself as the HMAC key (as the reference hub does);
// RS256/RS512 and ES256 take a PEM public key ("PUBLIC KEY", or PKCS#1 "RSA PUBLIC KEY") or a PEM
// certificate, whose public key is used (the reference hub accepts both too); a private key is
// refused with a hint rather than quietly used. `exp` and `nbf`, when present, are checked against
// the clock the caller passes; tokens without `exp` are accepted, as the reference hub does.
//
// Threads: a JwtVerifier is immutable once created; any thread may call verify() concurrently
// (each verification uses its own OpenSSL context).
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pogo::mercure {

enum class JwtAlg { HS256, HS384, HS512, RS256, RS512, ES256 };

// "HS256" -> JwtAlg::HS256 ...; nullopt for any other name (`none` included).
std::optional<JwtAlg> parse_jwt_alg(std::string_view name);
std::string_view jwt_alg_name(JwtAlg alg);

enum class JwtError {
  none,
  malformed,      // not three base64url parts, JSON that is no object, a claim of the wrong type
  wrong_alg,      // the header's `alg` is not the configured algorithm
  bad_signature,  // the signature does not verify with the configured key
  expired,        // now >= exp
  not_yet_valid,  // now < nbf
};
std::string_view jwt_error_name(JwtError error);

// The `mercure` claim. A token without it (or without one of its members) grants nothing of that
// member: no topic to publish to, no private topic to subscribe to.
struct MercureClaim {
  std::vector<std::string> publish;    // topic selectors (see topic_selector.h)
  std::vector<std::string> subscribe;  // topic selectors
  nlohmann::json payload;              // null when absent; given to subscription events as is
};

struct JwtResult {
  JwtError error = JwtError::none;
  std::string detail;  // what exactly was wrong, for the log line (never the token itself)
  MercureClaim claim;  // meaningful only when error == none
  // The `exp` claim, when there is one (the hub may close a subscription when it passes).
  std::optional<std::chrono::system_clock::time_point> expires;

  bool ok() const { return error == JwtError::none; }
};

class JwtVerifier {
 public:
  // A verifier for `alg` with `key` (an HMAC secret, or PEM text for RS*/ES256). nullptr and
  // `*error` set when the key is unusable: empty, not PEM, or a key of the wrong type or curve.
  static std::unique_ptr<JwtVerifier> create(std::string_view key, JwtAlg alg, std::string* error);
  ~JwtVerifier();
  JwtVerifier(const JwtVerifier&) = delete;
  JwtVerifier& operator=(const JwtVerifier&) = delete;

  JwtAlg alg() const { return alg_; }

  // Verifies the compact JWS `token` at time `now`. Never throws.
  JwtResult verify(std::string_view token, std::chrono::system_clock::time_point now) const;

 private:
  struct Key;
  JwtVerifier(JwtAlg alg, std::unique_ptr<Key> key);
  bool signature_valid(std::string_view signing_input, std::string_view signature) const;

  JwtAlg alg_;
  std::unique_ptr<Key> key_;
};

}  // namespace pogo::mercure
