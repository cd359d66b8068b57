#include "tls/acme_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <iterator>
#include <optional>

#include "tls/acme_json.h"
#include "tls/error.h"

namespace pogo::tls {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr std::string_view kBadNonce = "urn:ietf:params:acme:error:badNonce";

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// Retry-After (RFC 9110 §10.2.3): delay-seconds or an HTTP-date. nullopt when absent or unreadable.
std::optional<milliseconds> retry_after(const AcmeResponse& r) {
  std::string v = r.header("retry-after");
  if (v.empty()) return std::nullopt;
  if (std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; }) && v.size() < 9)
    return std::chrono::seconds(std::stol(v));
  time_t when = curl_getdate(v.c_str(), nullptr);
  if (when < 0) return std::nullopt;
  return std::chrono::seconds(std::max<time_t>(0, when - std::time(nullptr)));
}

std::string read_trusted_roots(const std::vector<std::string>& files) {
  std::string pem;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) throw Error("ACME trusted root " + f + ": cannot be read");
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (content.find("-----BEGIN CERTIFICATE-----") == std::string::npos)
      throw Error("ACME trusted root " + f + ": no PEM certificate in it");
    pem += content;
    if (pem.back() != '\n') pem += '\n';
  }
  return pem;
}

}  // namespace

AcmeClient::AcmeClient(AcmeOptions options, AccountKey key, Challenges& challenges)
    : options_(std::move(options)),
      key_(std::move(key)),
      challenges_(challenges),
      http_(AcmeHttp::Options{read_trusted_roots(options_.trusted_roots), options_.connect_timeout,
                              options_.request_timeout, "pogo-acme", &cancelled_}) {}

void AcmeClient::cancel() {
  {
    std::lock_guard lock(cancel_mu_);
    cancelled_ = true;
  }
  cancel_cv_.notify_all();
}

void AcmeClient::wait_until(Clock::time_point until) {
  std::unique_lock lock(cancel_mu_);
  cancel_cv_.wait_until(lock, until, [&] { return cancelled_.load(); });
  if (cancelled_) throw Error("ACME CA " + options_.directory_url + ": cancelled");
}

const AcmeClient::Directory& AcmeClient::directory() {
  if (directory_) return *directory_;
  const std::string& url = options_.directory_url;
  AcmeResponse r = http_.get(url);
  nlohmann::json d = acme_parse(r.body);
  Directory dir{acme_string(d, "newNonce"), acme_string(d, "newAccount"), acme_string(d, "newOrder"), ""};
  if (r.status != 200 || dir.new_nonce.empty() || dir.new_account.empty() || dir.new_order.empty())
    throw Error("ACME CA " + url + ": not an ACME directory (HTTP " + std::to_string(r.status) + ")");
  if (d.contains("meta")) dir.terms_of_service = acme_string(d["meta"], "termsOfService");
  directory_ = dir;
  return *directory_;
}

std::string AcmeClient::take_nonce() {
  if (nonce_.empty()) {
    AcmeResponse r = http_.head(directory().new_nonce);
    nonce_ = r.header("replay-nonce");
    if (nonce_.empty())
      throw Error("ACME CA " + options_.directory_url + ": newNonce returned no Replay-Nonce (HTTP " +
                  std::to_string(r.status) + ")");
  }
  return std::exchange(nonce_, std::string());
}

AcmeResponse AcmeClient::post(const std::string& url, const std::optional<nlohmann::json>& payload,
                              const std::string& what, std::string_view accept) {
  for (int attempt = 0;; ++attempt) {
    if (cancelled_) throw Error("ACME CA " + options_.directory_url + ": cancelled");
    std::string kid = account_ ? account_->url : std::string();
    AcmeResponse r = http_.post(url, jws_encode(key_, kid, take_nonce(), url, payload), accept);
    // Every response carries a fresh nonce, errors included (§6.5): the next request uses it.
    if (std::string n = r.header("replay-nonce"); !n.empty()) nonce_ = n;
    if (r.status >= 200 && r.status < 300) return r;
    nlohmann::json problem = acme_parse(r.body);
    if (acme_string(problem, "type") == kBadNonce && attempt < options_.max_bad_nonce_retries) {
      ++bad_nonce_retries_;
      continue;
    }
    throw Error(what + ": HTTP " + std::to_string(r.status) + ": " + acme_problem_text(problem));
  }
}

AcmeResponse AcmeClient::post_as_get(const std::string& url, const std::string& what, std::string_view accept) {
  return post(url, std::nullopt, what, accept);
}

const AcmeAccount& AcmeClient::account() {
  if (account_) return *account_;
  nlohmann::json payload = {{"termsOfServiceAgreed", true}};
  if (!options_.email.empty()) payload["contact"] = {"mailto:" + options_.email};
  AcmeResponse r =
      post(directory().new_account, payload, "ACME CA " + options_.directory_url + ": registering account");
  AcmeAccount a;
  a.url = r.header("location");
  a.object = acme_parse(r.body);
  a.created = r.status == 201;
  if (a.url.empty()) throw Error("ACME CA " + options_.directory_url + ": newAccount returned no account URL");
  account_ = std::move(a);
  return *account_;
}

nlohmann::json AcmeClient::poll(const std::string& url, std::initializer_list<const char*> pending_states,
                                Clock::time_point deadline, const std::string& what) {
  milliseconds backoff = options_.poll_initial;
  for (;;) {
    AcmeResponse r = post_as_get(url, what);
    nlohmann::json obj = acme_parse(r.body);
    std::string status = acme_string(obj, "status");
    if (std::none_of(pending_states.begin(), pending_states.end(), [&](const char* s) { return status == s; }))
      return obj;
    Clock::time_point now = Clock::now();
    if (now >= deadline) throw Error(what + ": still '" + status + "' after the order timeout");
    // The CA's Retry-After wins, but never below poll_initial: "Retry-After: 0" must not spin.
    milliseconds wait = std::max(retry_after(r).value_or(backoff), options_.poll_initial);
    backoff = std::min(backoff * 2, options_.poll_max);
    wait_until(std::min(now + wait, deadline));
  }
}

std::string AcmeClient::error_prefix(const std::vector<std::string>& names) const {
  return "ACME CA " + options_.directory_url + ": certificate for " + join(names);
}

}  // namespace pogo::tls
