#include "server/access_log.h"

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

RollingFile::Options rolling_options(const caddyfile::LogRoll& roll) {
  RollingFile::Options o;
  o.roll = roll.enabled;
  o.max_bytes = uint64_t(roll.size_mb) << 20;
  o.keep = roll.keep;
  o.keep_days = roll.keep_days;
  o.gzip = roll.gzip;
  o.local_time = roll.local_time;
  return o;
}

AccessLog::AccessLog(const caddyfile::LogConfig& c, std::string logger_name) : logger_(std::move(logger_name)) {
  if (!c.include.empty() || !c.exclude.empty())
    throw std::runtime_error("log include/exclude are not supported by Pogo for access logs");
  if (c.output == "stderr") fd_ = STDERR_FILENO;
  else if (c.output == "stdout") fd_ = STDOUT_FILENO;
  else if (c.output == "discard") fd_ = -1;
  else if (c.output == "file") {
    file_ = std::make_unique<RollingFile>(c.file, rolling_options(c.roll));
  } else {
    throw std::runtime_error("log output " + c.output + " is not supported by Pogo");
  }
  json_ = c.format == "filter" ? c.wrap != "console" : c.format != "console";
  if (c.format == "filter") filters_.emplace(c.filters);
  min_level_ = level_of(c.level);
}

AccessLog::~AccessLog() = default;

void AccessLog::write(const nlohmann::json& fields, int status) const {
  log::Level level = status >= 500 ? log::Level::Error : log::Level::Info;
  if ((fd_ < 0 && !file_) || int(level) < min_level_) return;
  std::string line;
  if (filters_) {
    nlohmann::json filtered = fields;
    filters_->apply(filtered);
    line = log::format_line(level, logger_, "handled request", filtered, json_);
  } else {
    line = log::format_line(level, logger_, "handled request", fields, json_);
  }
  if (file_) file_->write(line);
  else log::write_line(fd_, line);
}

}  // namespace pogo::server
