#include "test_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <thread>

namespace {
size_t on_data(char* p, size_t s, size_t n, void* ud) {
  static_cast<std::string*>(ud)->append(p, s * n);
  return s * n;
}
struct Upload {
  const std::string* body;
  size_t pos = 0;
};
size_t on_upload(char* p, size_t s, size_t n, void* ud) {
  auto* u = static_cast<Upload*>(ud);
  size_t k = std::min(s * n, u->body->size() - u->pos);
  std::memcpy(p, u->body->data() + u->pos, k);
  u->pos += k;
  return k;
}
char lower(char c) { return (c >= 'A' && c <= 'Z') ? char(c + 32) : c; }
}  // namespace

std::string CurlResult::header(const std::string& name) const {
  std::string want;
  for (char c : name) want += lower(c);
  std::string found;
  size_t i = 0;
  while (i < headers.size()) {
    size_t e = headers.find("\r\n", i);
    if (e == std::string::npos) e = headers.size();
    std::string line = headers.substr(i, e - i);
    auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::string n;
      for (char c : line.substr(0, colon)) n += lower(c);
      if (n == want) {
        std::string v = line.substr(colon + 1);
        while (!v.empty() && v.front() == ' ') v.erase(0, 1);
        found = v;
      }
    }
    i = e + 2;
  }
  return found;
}

CurlClient::CurlClient() : h_(curl_easy_init()) {}
CurlClient::~CurlClient() { curl_easy_cleanup(h_); }

CurlResult CurlClient::perform(const std::string& url, const CurlOptions& o) {
  CurlResult r;
  curl_easy_reset(h_);
  curl_easy_setopt(h_, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h_, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(h_, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(h_, CURLOPT_HEADERFUNCTION, on_data);
  curl_easy_setopt(h_, CURLOPT_HEADERDATA, &r.headers);
  curl_easy_setopt(h_, CURLOPT_TIMEOUT, 30L);
  curl_easy_setopt(h_, CURLOPT_NOSIGNAL, 1L);
  curl_slist* list = nullptr;
  for (const auto& hd : o.headers) list = curl_slist_append(list, hd.c_str());
  Upload up{&o.body};
  if (o.nobody) curl_easy_setopt(h_, CURLOPT_NOBODY, 1L);
  if (o.chunked_upload) {
    list = curl_slist_append(list, "Transfer-Encoding: chunked");
    curl_easy_setopt(h_, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h_, CURLOPT_READFUNCTION, on_upload);
    curl_easy_setopt(h_, CURLOPT_READDATA, &up);
    curl_easy_setopt(h_, CURLOPT_CUSTOMREQUEST, o.method.c_str());
  } else if (!o.body.empty() || o.method == "POST") {
    curl_easy_setopt(h_, CURLOPT_POSTFIELDS, o.body.data());
    curl_easy_setopt(h_, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(o.body.size()));
    if (o.method != "POST") curl_easy_setopt(h_, CURLOPT_CUSTOMREQUEST, o.method.c_str());
  } else if (o.method != "GET" && !o.nobody) {
    curl_easy_setopt(h_, CURLOPT_CUSTOMREQUEST, o.method.c_str());
  }
  if (list) curl_easy_setopt(h_, CURLOPT_HTTPHEADER, list);
  r.code = curl_easy_perform(h_);
  curl_easy_getinfo(h_, CURLINFO_RESPONSE_CODE, &r.status);
  curl_easy_getinfo(h_, CURLINFO_NUM_CONNECTS, &r.connects);
  curl_slist_free_all(list);
  return r;
}

CurlResult curl_get(const std::string& url, const CurlOptions& opts) {
  CurlClient c;
  return c.perform(url, opts);
}

RawClient::RawClient(int port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(uint16_t(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

RawClient::~RawClient() { close(); }

void RawClient::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void RawClient::send(const std::string& bytes) {
  size_t off = 0;
  while (fd_ >= 0 && off < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return;
    off += size_t(n);
  }
}

RawResult RawClient::read_until(const std::function<bool(const std::string&)>& done, std::chrono::milliseconds d) {
  RawResult r;
  auto deadline = std::chrono::steady_clock::now() + d;
  while (fd_ >= 0 && !done(r.data)) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, int(left.count())) <= 0) continue;
    char buf[65536];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      r.closed = true;
      break;
    }
    r.data.append(buf, size_t(n));
  }
  return r;
}

RawResult raw_roundtrip(int port, const std::string& request) {
  RawClient c(port);
  c.send(request);
  return c.read_to_eof();
}

bool wait_for(const std::function<bool()>& cond, std::chrono::milliseconds d) {
  auto deadline = std::chrono::steady_clock::now() + d;
  while (!cond()) {
    if (std::chrono::steady_clock::now() > deadline) return cond();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}
