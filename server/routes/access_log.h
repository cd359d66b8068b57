// A site's access log (`log` inside a site block): one line per request with Caddy's field names
// (request{remote_ip,remote_port,client_ip,proto,method,host,uri,headers}, bytes_read, user_id,
// duration, size, status, resp_headers), written to stderr, stdout, a file (appended) or nowhere,
// as JSON or in the console shape. 5xx responses are logged at ERROR, the rest at INFO.
//
// Threads: opened on the main thread at start-up; write() from any loop thread (one write(2) per line).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "caddyfile/config.h"

namespace pogo::server {

class AccessLog {
 public:
  // Throws std::runtime_error when the file cannot be opened or an option cannot be honoured.
  AccessLog(const caddyfile::LogConfig& config, std::string logger_name);
  ~AccessLog();
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  void write(const nlohmann::json& fields, int status) const;

 private:
  int fd_ = -1;
  bool owned_ = false;
  bool json_ = true;
  int min_level_ = 0;
  std::string logger_;
};

}  // namespace pogo::server
