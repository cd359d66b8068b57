// AcmeHttp is the HTTPS transport under the ACME client: GET, HEAD and JOSE POST over one libcurl
// easy handle, so consecutive requests to the CA reuse one connection. It knows no ACME: the
// client signs the bodies, reads the nonces and turns problem documents into errors.
//
// The CA's certificate is verified against the system trust store, or against `trusted_pem` alone
// when given (`acme_ca_root`, `trusted_roots`: a private or test CA such as pebble).
//
// Threads: one instance per AcmeClient, used only by the thread that runs it (the certificate
// manager's); instances on different threads are independent.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <string>
#include <string_view>

namespace pogo::tls {

struct AcmeResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  // lower-case names; a repeated header keeps its last value
  std::string body;

  // The header's value, "" if absent. `name` is lower-case.
  std::string header(const std::string& name) const;
};

class AcmeHttp {
 public:
  struct Options {
    std::string trusted_pem;  // PEM certificates trusted instead of the system store; "" = the system store
    std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
    std::chrono::milliseconds request_timeout{std::chrono::seconds(60)};
    std::string user_agent = "pogo-acme";
    // When set and true, a transfer in progress stops at its next progress tick (shutdown).
    const std::atomic<bool>* abort = nullptr;
  };

  explicit AcmeHttp(Options options);
  ~AcmeHttp();
  AcmeHttp(const AcmeHttp&) = delete;
  AcmeHttp& operator=(const AcmeHttp&) = delete;

  // Each throws tls::Error when no HTTP response arrives (DNS, TCP, TLS, timeout); any HTTP status
  // is returned for the caller to judge.
  AcmeResponse get(const std::string& url);
  AcmeResponse head(const std::string& url);
  // Content-Type: application/jose+json. `accept` is sent when not empty (the certificate
  // download asks for application/pem-certificate-chain).
  AcmeResponse post(const std::string& url, const std::string& jose_body, std::string_view accept = {});

 private:
  AcmeResponse perform(const char* method, const std::string& url, const std::string* body, std::string_view accept);

  Options options_;
  void* curl_ = nullptr;  // CURL*, kept out of this header
};

}  // namespace pogo::tls
