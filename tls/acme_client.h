// AcmeClient obtains certificates from an ACME CA (RFC 8555): Let's Encrypt by default, any CA
// by its directory URL (ZeroSSL, a company's step-ca, pebble in the tests).
//
// One obtain() is one order: register (or find) the account, order the names, prove control of
// each with HTTP-01 or TLS-ALPN-01 (RFC 8737) through the shared Challenges the server answers
// from, finalize with a CSR for a fresh P-256 key, download the PEM chain. When the CA cannot
// validate with one challenge type, a new order tries the other enabled type (as certmagic does:
// port 80 may be closed while 443 is open, or the reverse). The challenge answers are withdrawn
// when each order ends, whether it succeeded or not. Every POST is a JWS with a
// fresh nonce; a `badNonce` rejection is retried with the nonce that came with it, as §6.5
// expects of clients. Polling honours Retry-After.
//
// Failures are tls::Error naming the CA, the names and, when the CA refused, its problem
// document's `type` and `detail` (e.g. "urn:ietf:params:acme:error:connection: ... connection
// refused"), so the log line alone says what to fix.
//
// Threads: blocking network I/O; an instance is used by one thread at a time, the certificate
// manager's background thread; only cancel() may be called from another thread. The Challenges it
// writes to are read concurrently by loop threads.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tls/acme_http.h"
#include "tls/challenges.h"
#include "tls/issuer.h"
#include "tls/jws.h"

namespace pogo::tls {

inline constexpr const char* kLetsEncryptProduction = "https://acme-v02.api.letsencrypt.org/directory";
inline constexpr const char* kLetsEncryptStaging = "https://acme-staging-v02.api.letsencrypt.org/directory";

struct AcmeOptions {
  std::string directory_url = kLetsEncryptProduction;  // `acme_ca`
  // `acme_ca_root`, `trusted_roots`: PEM files trusted for the CA's HTTPS instead of the system
  // store; read when the client is made.
  std::vector<std::string> trusted_roots;
  std::string email;  // the account's contact; optional
  bool disable_http_challenge = false;
  bool disable_tlsalpn_challenge = false;
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds request_timeout{std::chrono::seconds(60)};
  // How long one order may take from the challenge response to the certificate (validation,
  // then issuance); CAs answer in seconds, a minute or two under load.
  std::chrono::milliseconds order_timeout{std::chrono::minutes(3)};
  // Waits between polls when the CA sends no Retry-After: the first, then doubling to the cap.
  std::chrono::milliseconds poll_initial{std::chrono::milliseconds(250)};
  std::chrono::milliseconds poll_max{std::chrono::seconds(5)};
  // badNonce retries per request (each reuses the nonce of the rejection, no extra round trip).
  int max_bad_nonce_retries = 10;
};

// The CA's account for our key, as the server last described it.
struct AcmeAccount {
  std::string url;        // the `kid` of every later request
  nlohmann::json object;  // status, contact, orders... as returned by newAccount
  bool created = false;   // this client's newAccount created it (201) rather than found it (200)
};

class AcmeClient {
 public:
  // `challenges` must outlive the client.
  AcmeClient(AcmeOptions options, AccountKey key, Challenges& challenges);

  // Registers the key with the CA, or finds the account it already has: newAccount is idempotent
  // per key (RFC 8555 §7.3.1), which also recovers an account the CA has forgotten. Done once per
  // client; obtain() calls it first. Throws tls::Error.
  const AcmeAccount& account();

  // One certificate for `names` (DNS names or IP literals). Throws tls::Error.
  IssuedCertificate obtain(const std::vector<std::string>& names);

  // Makes a running obtain() give up soon: polls stop waiting, a transfer in progress aborts,
  // and obtain() throws tls::Error("... cancelled"). Any thread (the manager's shutdown).
  void cancel();

  const AccountKey& key() const { return key_; }
  // badNonce rejections retried so far (the tests assert that pebble's were absorbed).
  int bad_nonce_retries() const { return bad_nonce_retries_; }

 private:
  struct Directory {
    std::string new_nonce, new_account, new_order, terms_of_service;
  };
  const Directory& directory();
  // One order, never choosing a type in `excluded`; a failed validation throws ValidationFailed
  // (acme_order.cpp) so that obtain() can try the next type.
  IssuedCertificate obtain_once(const std::vector<std::string>& names, const std::vector<std::string>& excluded);
  std::string take_nonce();
  // POSTs a JWS (kid form once the account exists) and returns a 2xx response; retries badNonce;
  // anything else non-2xx throws with the problem document, prefixed by `what`.
  AcmeResponse post(const std::string& url, const std::optional<nlohmann::json>& payload, const std::string& what,
                    std::string_view accept = {});
  AcmeResponse post_as_get(const std::string& url, const std::string& what, std::string_view accept = {});
  // Polls `url` (POST-as-GET) until its status is not one of `pending_states`, honouring
  // Retry-After, until `deadline`. Returns the last object.
  nlohmann::json poll(const std::string& url, std::initializer_list<const char*> pending_states,
                      std::chrono::steady_clock::time_point deadline, const std::string& what);
  std::string error_prefix(const std::vector<std::string>& names) const;

  AcmeOptions options_;
  std::atomic<bool> cancelled_{false};
  std::mutex cancel_mu_;
  std::condition_variable cancel_cv_;
  AccountKey key_;
  Challenges& challenges_;
  AcmeHttp http_;
  std::optional<Directory> directory_;
  std::optional<AcmeAccount> account_;
  // Sleeps until `until` or cancel(); throws when cancelled.
  void wait_until(std::chrono::steady_clock::time_point until);

  std::string nonce_;  // the newest unused Replay-Nonce
  int bad_nonce_retries_ = 0;
};

}  // namespace pogo::tls
