#include "server/log.h"
#include "server/log_output.h"

#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <vector>

#include "server/log_filter.h"
#include "server/rolling_file.h"

namespace pogo::log {

namespace {
std::atomic<int> g_min_level{int(Level::Info)};
std::atomic<bool> g_json{false};
std::atomic<int> g_fd{STDERR_FILENO};
std::atomic<server::RollingFile*> g_file{nullptr};
std::atomic<const server::LogFilters*> g_filters{nullptr};

// Everything ever installed, so a pointer a writer loaded stays valid (see set_output_file).
std::mutex g_keep_mu;
std::vector<std::shared_ptr<const void>> g_keep;

template <class T>
T* keep(std::shared_ptr<T> p) {
  std::lock_guard lock(g_keep_mu);
  g_keep.push_back(p);
  return p.get();
}

const char* level_name(Level l, bool upper) {
  switch (l) {
    case Level::Debug: return upper ? "DEBUG" : "debug";
    case Level::Info: return upper ? "INFO" : "info";
    case Level::Warn: return upper ? "WARN" : "warn";
    case Level::Error: return upper ? "ERROR" : "error";
  }
  return "?";
}
}  // namespace

void set_level(Level min_level) { g_min_level.store(int(min_level)); }
void set_json(bool json) { g_json.store(json); }
void set_output(int fd) { g_fd.store(fd); }
void set_output_file(std::shared_ptr<server::RollingFile> file) { g_file.store(keep(std::move(file))); }
void set_filters(std::shared_ptr<const server::LogFilters> filters) { g_filters.store(keep(std::move(filters))); }
bool enabled(Level level) { return int(level) >= g_min_level.load(std::memory_order_relaxed); }

void write(Level level, std::string_view logger, std::string_view message, const nlohmann::json& fields) {
  if (!enabled(level)) return;
  const bool json = g_json.load(std::memory_order_relaxed);
  std::string line;
  if (const server::LogFilters* filters = g_filters.load()) {
    nlohmann::json filtered = fields;
    filters->apply(filtered);
    line = format_line(level, logger, message, filtered, json);
  } else {
    line = format_line(level, logger, message, fields, json);
  }
  if (server::RollingFile* file = g_file.load()) file->write(line);
  else write_line(g_fd.load(std::memory_order_relaxed), line);
}

std::string format_line(Level level, std::string_view logger, std::string_view message,
                        const nlohmann::json& fields, bool json) {
  timeval tv{};
  gettimeofday(&tv, nullptr);
  std::string line;
  if (json) {
    nlohmann::json j = nlohmann::json::object();
    j["level"] = level_name(level, false);
    j["ts"] = double(tv.tv_sec) + double(tv.tv_usec) / 1e6;
    j["logger"] = logger;
    j["msg"] = message;
    if (fields.is_object())
      for (auto it = fields.begin(); it != fields.end(); ++it) j[it.key()] = it.value();
    line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    tm t{};
    localtime_r(&tv.tv_sec, &t);
    char ts[64];
    std::snprintf(ts, sizeof ts, "%04d/%02d/%02d %02d:%02d:%02d.%03d", t.tm_year + 1900, t.tm_mon + 1,
                  t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, int(tv.tv_usec / 1000));
    line = ts;
    line += '\t';
    line += level_name(level, true);
    line += '\t';
    line += logger;
    line += '\t';
    line += message;
    if (fields.is_object() && !fields.empty()) {
      line += '\t';
      line += fields.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
  }
  line += '\n';
  return line;
}

void write_line(int fd, const std::string& line) {
  if (fd < 0) return;
  const char* p = line.data();
  size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n <= 0) break;
    p += n;
    left -= size_t(n);
  }
}

}  // namespace pogo::log
