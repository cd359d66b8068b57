// The server log: one line per event on stderr, either Caddy's console shape
// ("2026/11/26 23:00:00.123	INFO	logger	message	{json fields}") or one JSON object per line.
// Any thread may call these functions; each line is written with a single write(2).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace pogo::log {

enum class Level { Debug = -4, Info = 0, Warn = 4, Error = 8 };

void set_level(Level min_level);  // main thread, at start-up
void set_json(bool json);         // main thread, at start-up
void set_output(int fd);          // main thread, at start-up (default: stderr; -1 discards)
bool enabled(Level level);

// One line (with its '\n') in the console or JSON shape, and writing such a line to `fd` with a
// single write(2) — for loggers of their own, such as a site's access log.
std::string format_line(Level level, std::string_view logger, std::string_view message,
                        const nlohmann::json& fields, bool json);
void write_line(int fd, const std::string& line);

void write(Level level, std::string_view logger, std::string_view message,
           const nlohmann::json& fields = nlohmann::json::object());

inline void debug(std::string_view logger, std::string_view msg, const nlohmann::json& f = nlohmann::json::object()) {
  if (enabled(Level::Debug)) write(Level::Debug, logger, msg, f);
}
inline void info(std::string_view logger, std::string_view msg, const nlohmann::json& f = nlohmann::json::object()) {
  write(Level::Info, logger, msg, f);
}
inline void warn(std::string_view logger, std::string_view msg, const nlohmann::json& f = nlohmann::json::object()) {
  write(Level::Warn, logger, msg, f);
}
inline void error(std::string_view logger, std::string_view msg, const nlohmann::json& f = nlohmann::json::object()) {
  write(Level::Error, logger, msg, f);
}

}  // namespace pogo::log
