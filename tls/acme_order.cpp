// AcmeClient::obtain(): one order from newOrder to the PEM chain (RFC 8555 §7.4–7.5). Kept apart
// from acme_client.cpp, which holds what every request needs (directory, nonces, JWS POST, polls).
#include <algorithm>
#include <string>
#include <vector>

#include "tls/acme_client.h"
#include "tls/acme_csr.h"
#include "tls/acme_json.h"
#include "tls/error.h"

namespace pogo::tls {

namespace {

using Clock = std::chrono::steady_clock;

// The challenge answers of one order, withdrawn from the shared Challenges however obtain() ends:
// a stale answer would let nobody else in, but it must not outlive the order either.
class Presented {
 public:
  explicit Presented(Challenges& c) : challenges_(c) {}
  ~Presented() {
    for (const auto& t : tokens_) challenges_.remove_http01(t);
    for (const auto& n : sni_names_) challenges_.remove_tls_alpn01(n);
  }
  Presented(const Presented&) = delete;
  Presented& operator=(const Presented&) = delete;

  void http01(const std::string& token, const std::string& key_authorization) {
    tokens_.push_back(token);
    challenges_.put_http01(token, key_authorization);
  }
  void tls_alpn01(const std::string& identifier, const std::string& key_authorization) {
    std::string sni = tls_alpn01_sni_name(identifier);
    auto cert = make_tls_alpn01_certificate(identifier, key_authorization);
    sni_names_.push_back(sni);
    challenges_.put_tls_alpn01(sni, std::move(cert));
  }

 private:
  Challenges& challenges_;
  std::vector<std::string> tokens_, sni_names_;
};

// The CA tried a challenge and it failed: worth another order with another challenge type.
class ValidationFailed : public Error {
 public:
  ValidationFailed(const std::string& prefix, std::string identifier, std::string type, std::string problem)
      : Error(prefix + ": the CA could not validate " + identifier + " with " + type + ": " + problem),
        identifier(std::move(identifier)),
        type(std::move(type)),
        problem(std::move(problem)) {}
  std::string identifier, type, problem;
};

constexpr const char* kChallengeTypes[] = {"http-01", "tls-alpn-01"};  // in order of preference

struct Pending {
  std::string authz_url, identifier, challenge_type, challenge_url;
};

}  // namespace

IssuedCertificate AcmeClient::obtain(const std::vector<std::string>& names) {
  if (names.empty()) throw Error("ACME: a certificate needs at least one name");
  std::vector<std::string> failed;
  std::string why;
  for (;;) {
    try {
      return obtain_once(names, failed);
    } catch (const ValidationFailed& f) {
      why += why.empty() ? f.what() : "; nor with " + f.type + ": " + f.problem;
      failed.push_back(f.type);
      bool another = false;
      for (const char* t : kChallengeTypes) {
        bool disabled =
            std::string_view(t) == "http-01" ? options_.disable_http_challenge : options_.disable_tlsalpn_challenge;
        if (!disabled && std::find(failed.begin(), failed.end(), t) == failed.end()) another = true;
      }
      if (!another) throw Error(why);
    } catch (const Error& e) {
      if (why.empty()) throw;
      throw Error(why + "; then: " + e.what());  // keep the validation failure that led here
    }
  }
}

IssuedCertificate AcmeClient::obtain_once(const std::vector<std::string>& names,
                                          const std::vector<std::string>& excluded) {
  const std::string prefix = error_prefix(names);
  account();

  // newOrder (§7.4): one identifier per name; IP literals are "ip" identifiers (RFC 8738).
  nlohmann::json identifiers = nlohmann::json::array();
  for (const auto& n : names) identifiers.push_back({{"type", is_ip_literal(n) ? "ip" : "dns"}, {"value", n}});
  AcmeResponse created =
      post(directory().new_order, nlohmann::json{{"identifiers", identifiers}}, prefix + ": newOrder");
  const std::string order_url = created.header("location");
  nlohmann::json order = acme_parse(created.body);
  if (order_url.empty() || !order.is_object() || !order.contains("authorizations") ||
      acme_string(order, "finalize").empty())
    throw Error(prefix + ": newOrder returned no order");

  Presented presented(challenges_);
  std::vector<Pending> pending;
  for (const auto& authz_url_json : order["authorizations"]) {
    std::string authz_url = authz_url_json.get<std::string>();
    nlohmann::json authz = acme_parse(post_as_get(authz_url, prefix + ": authorization").body);
    if (!authz.is_object()) throw Error(prefix + ": the authorization " + authz_url + " is not JSON");
    std::string identifier = authz.contains("identifier") ? acme_string(authz["identifier"], "value") : "";
    std::string status = acme_string(authz, "status");
    if (status == "valid") continue;  // proven recently for this account; the CA reuses it
    if (status != "pending") throw Error(prefix + ": the authorization for " + identifier + " is '" + status + "'");

    // HTTP-01 first: it works behind any TLS-terminating proxy; TLS-ALPN-01 when port 80 is not ours.
    // One copy: `chosen` points into it after the loops.
    const nlohmann::json offers = authz.value("challenges", nlohmann::json::array());
    const nlohmann::json* chosen = nullptr;
    for (const char* want : kChallengeTypes) {
      bool disabled = (std::string_view(want) == "http-01" ? options_.disable_http_challenge
                                                           : options_.disable_tlsalpn_challenge) ||
                      std::find(excluded.begin(), excluded.end(), want) != excluded.end();
      for (const auto& ch : offers)
        if (!disabled && !chosen && acme_string(ch, "type") == want) chosen = &ch;
    }
    if (!chosen) {
      std::string list;
      for (const auto& ch : offers) list += (list.empty() ? "" : ", ") + acme_string(ch, "type");
      throw Error(
          prefix + ": no enabled challenge type for " + identifier + " (the CA offers: " + list + ")" +
          (authz.value("wildcard", false) ? "; wildcard names need DNS-01, which Pogo does not implement" : ""));
    }
    Pending p{authz_url, identifier, acme_string(*chosen, "type"), acme_string(*chosen, "url")};
    std::string key_authorization = key_.key_authorization(acme_string(*chosen, "token"));
    if (p.challenge_type == "http-01")
      presented.http01(acme_string(*chosen, "token"), key_authorization);
    else
      presented.tls_alpn01(identifier, key_authorization);
    pending.push_back(std::move(p));
  }

  // Every answer is in place before the first respond, so the CA may validate them in any order.
  for (const auto& p : pending)
    post(p.challenge_url, nlohmann::json::object(),
         prefix + ": responding to " + p.challenge_type + " for " + p.identifier);

  const Clock::time_point deadline = Clock::now() + options_.order_timeout;
  for (const auto& p : pending) {
    nlohmann::json authz = poll(p.authz_url, {"pending"}, deadline, prefix + ": validating " + p.identifier);
    if (acme_string(authz, "status") == "valid") continue;
    std::string why = "authorization '" + acme_string(authz, "status") + "'";
    for (const auto& ch : authz.value("challenges", nlohmann::json::array()))
      if (ch.contains("error")) why = acme_problem_text(ch["error"]);
    throw ValidationFailed(prefix, p.identifier, p.challenge_type, why);
  }

  // The order turns "ready" once every authorization is valid (§7.1.6).
  order = poll(order_url, {"pending"}, deadline, prefix + ": order");
  std::string order_status = acme_string(order, "status");
  if (order_status != "ready")
    throw Error(prefix + ": order is '" + order_status + "'" +
                (order.contains("error") ? ": " + acme_problem_text(order["error"]) : std::string()));
  CertificateRequest csr = make_certificate_request(names);
  AcmeResponse fin =
      post(acme_string(order, "finalize"), nlohmann::json{{"csr", base64url(csr.der)}}, prefix + ": finalize");
  order = acme_parse(fin.body);
  if (acme_string(order, "status") != "valid")
    order = poll(order_url, {"ready", "processing"}, deadline, prefix + ": issuance");
  if (acme_string(order, "status") != "valid" || acme_string(order, "certificate").empty())
    throw Error(prefix + ": order is '" + acme_string(order, "status") + "'" +
                (order.contains("error") ? ": " + acme_problem_text(order["error"]) : std::string()));

  AcmeResponse cert =
      post_as_get(acme_string(order, "certificate"), prefix + ": download", "application/pem-certificate-chain");
  if (cert.body.find("-----BEGIN CERTIFICATE-----") == std::string::npos)
    throw Error(prefix + ": the CA's certificate download is not a PEM chain");
  return IssuedCertificate{std::move(cert.body), std::move(csr.key_pem)};
}

}  // namespace pogo::tls
