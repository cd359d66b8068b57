#include "server/routes/access_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "server/log.h"

namespace pogo::server {

namespace {

int level_of(const std::string& name) {
  if (name.empty() || name == "INFO" || name == "info") return int(log::Level::Info);
  if (name == "DEBUG" || name == "debug") return int(log::Level::Debug);
  if (name == "WARN" || name == "warn") return int(log::Level::Warn);
  if (name == "ERROR" || name == "error") return int(log::Level::Error);
  return int(log::Level::Error) + 1;  // PANIC, FATAL: nothing an access log writes
}

}  // namespace

AccessLog::AccessLog(const caddyfile::LogConfig& c, std::string logger_name) : logger_(std::move(logger_name)) {
  if (!c.include.empty() || !c.exclude.empty())
    throw std::runtime_error("log include/exclude are not supported by Pogo for access logs");
  if (c.output == "stderr") fd_ = STDERR_FILENO;
  else if (c.output == "stdout") fd_ = STDOUT_FILENO;
  else if (c.output == "discard") fd_ = -1;
  else if (c.output == "file") {
    fd_ = ::open(c.file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0) throw std::runtime_error("log output file " + c.file + ": " + std::strerror(errno));
    owned_ = true;
  } else {
    throw std::runtime_error("log output " + c.output + " is not supported by Pogo");
  }
  json_ = c.format != "console";
  min_level_ = level_of(c.level);
}

AccessLog::~AccessLog() {
  if (owned_ && fd_ >= 0) ::close(fd_);
}

void AccessLog::write(const nlohmann::json& fields, int status) const {
  log::Level level = status >= 500 ? log::Level::Error : log::Level::Info;
  if (fd_ < 0 || int(level) < min_level_) return;
  log::write_line(fd_, log::format_line(level, logger_, "handled request", fields, json_));
}

}  // namespace pogo::server
