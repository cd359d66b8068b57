// A site's access log (`log` inside a site block): one line per request with Caddy's field names
// (request{remote_ip,remote_port,client_ip,proto,method,host,uri,headers}, bytes_read, user_id,
// duration, size, status, resp_headers), written to stderr, stdout, a file (rolled by size, see
// RollingFile) or nowhere, as JSON or in the console shape, through Caddy's field filters when the
// format is `filter`. 5xx responses are logged at ERROR, the rest at INFO. In the core: the
// stream writes the line; routes/build.cpp opens one per site and a handler puts it in the
// Request's ResponseFilters.
//
// Threads: opened on the main thread at start-up; write() from any loop thread (one write(2) per line).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "caddyfile/config.h"
#include "server/log_filter.h"
#include "server/rolling_file.h"

namespace pogo::server {

// A `log { output file PATH { roll_* } }`'s rolling options as RollingFile takes them.
RollingFile::Options rolling_options(const caddyfile::LogRoll& roll);

class AccessLog {
 public:
  // Throws std::runtime_error when the file cannot be opened or an option cannot be honoured.
  AccessLog(const caddyfile::LogConfig& config, std::string logger_name);
  ~AccessLog();
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  void write(const nlohmann::json& fields, int status) const;

 private:
  int fd_ = -1;                        // stderr or stdout; -1 with no file_: discard
  std::unique_ptr<RollingFile> file_;  // output file
  std::optional<LogFilters> filters_;  // format filter
  bool json_ = true;
  int min_level_ = 0;
  std::string logger_;
};

}  // namespace pogo::server
