#include "tls/acme_http.h"

#include <curl/curl.h>

#include <mutex>

#include "tls/error.h"

namespace pogo::tls {

namespace {

size_t on_body(char* data, size_t size, size_t count, void* user) {
  static_cast<AcmeResponse*>(user)->body.append(data, size * count);
  return size * count;
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return std::string(s);
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* r = static_cast<AcmeResponse*>(user);
  std::string_view line(data, size * count);
  // A new status line (after a 100 Continue or a redirect) starts a new header set.
  if (line.starts_with("HTTP/")) {
    r->headers.clear();
    return size * count;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return size * count;
  std::string name(line.substr(0, colon));
  for (char& c : name)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  r->headers[name] = trim(line.substr(colon + 1));
  return size * count;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* abort = static_cast<const std::atomic<bool>*>(user);
  return abort->load(std::memory_order_relaxed) ? 1 : 0;
}

}  // namespace

std::string AcmeResponse::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

AcmeHttp::AcmeHttp(Options options) : options_(std::move(options)) {
  // curl_global_init is not thread-safe in every libcurl; once per process, never cleaned up
  // (other users in the process may rely on it, and the OS frees it at exit).
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  curl_ = curl_easy_init();
  if (!curl_) throw Error("ACME: libcurl could not create a handle");
}

AcmeHttp::~AcmeHttp() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

AcmeResponse AcmeHttp::get(const std::string& url) { return perform("GET", url, nullptr, {}); }
AcmeResponse AcmeHttp::head(const std::string& url) { return perform("HEAD", url, nullptr, {}); }
AcmeResponse AcmeHttp::post(const std::string& url, const std::string& jose_body, std::string_view accept) {
  return perform("POST", url, &jose_body, accept);
}

AcmeResponse AcmeHttp::perform(const char* method, const std::string& url, const std::string* body,
                               std::string_view accept) {
  CURL* c = static_cast<CURL*>(curl_);
  // Reset drops the previous request's options but keeps the connection cache, so the CA's
  // connection is reused across the many small requests of one order.
  curl_easy_reset(c);
  AcmeResponse r;
  char error[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // a background thread: no SIGALRM for DNS timeouts
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.request_timeout.count()));
  curl_easy_setopt(c, CURLOPT_USERAGENT, options_.user_agent.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https,http");
  if (!options_.trusted_pem.empty()) {
    // In memory rather than CURLOPT_CAINFO: several files (acme_ca_root plus trusted_roots) make
    // one bundle, read once when the client is made, so a file removed later cannot break renewals.
    curl_blob blob{options_.trusted_pem.data(), options_.trusted_pem.size(), CURL_BLOB_NOCOPY};
    curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &blob);
  }
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
  if (options_.abort) {
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, const_cast<std::atomic<bool>*>(options_.abort));
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  }

  curl_slist* headers = nullptr;
  std::string accept_header = "Accept: " + std::string(accept);
  if (!accept.empty()) headers = curl_slist_append(headers, accept_header.c_str());
  if (std::string_view(method) == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (body) {
    headers = curl_slist_append(headers, "Content-Type: application/jose+json");
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body->data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(body->size()));
  }
  if (headers) curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);

  CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(headers);
  if (rc == CURLE_ABORTED_BY_CALLBACK) throw Error(std::string("ACME: ") + method + " " + url + ": cancelled");
  if (rc != CURLE_OK)
    throw Error(std::string("ACME: ") + method + " " + url + ": " + (error[0] ? error : curl_easy_strerror(rc)));
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  return r;
}

}  // namespace pogo::tls
