// HTTP clients for server tests: libcurl for well-formed traffic, raw sockets for what curl
// would normalize or refuse (traversal, malformed requests, pipelining). Every wait polls with a
// deadline; nothing sleeps blindly.
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

struct CurlResult {
  long status = 0;
  std::string body;
  std::string headers;  // raw header block(s)
  long connects = 0;    // CURLINFO_NUM_CONNECTS
  CURLcode code = CURLE_OK;
  std::string header(const std::string& name) const;  // last value, case-insensitive; "" if absent
};

struct CurlOptions {
  std::string method = "GET";
  std::string body;
  std::vector<std::string> headers;
  bool nobody = false;   // HEAD
  bool chunked_upload = false;
};

// A reusable easy handle (keeps its connection alive between calls).
class CurlClient {
 public:
  CurlClient();
  ~CurlClient();
  CurlResult perform(const std::string& url, const CurlOptions& opts = {});

 private:
  CURL* h_;
};

CurlResult curl_get(const std::string& url, const CurlOptions& opts = {});

struct RawResult {
  std::string data;
  bool closed = false;  // the server closed the connection (EOF) before the deadline
};

// A blocking TCP client on 127.0.0.1:port.
class RawClient {
 public:
  explicit RawClient(int port);
  ~RawClient();
  bool ok() const { return fd_ >= 0; }
  void send(const std::string& bytes);
  // Reads until `done(data)` is true, EOF, or the deadline.
  RawResult read_until(const std::function<bool(const std::string&)>& done,
                       std::chrono::milliseconds deadline = std::chrono::seconds(10));
  RawResult read_to_eof(std::chrono::milliseconds deadline = std::chrono::seconds(10)) {
    return read_until([](const std::string&) { return false; }, deadline);
  }
  void close();

 private:
  int fd_ = -1;
  std::string buffered_;
};

// Sends `request`, reads until the server closes (or 10 s).
RawResult raw_roundtrip(int port, const std::string& request);

// Polls `cond` until true or the deadline; returns its last value.
bool wait_for(const std::function<bool()>& cond, std::chrono::milliseconds deadline = std::chrono::seconds(10));
