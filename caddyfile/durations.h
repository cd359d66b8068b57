// Durations and sizes in Caddy's syntax. A duration is a sequence of number+unit (`500ms`, `30s`,
// `1m30s`, `1.5h`, `1d`; units ns us µs ms s m h d); a bare number other than 0 has no unit and is
// an error. A size is a number with an optional unit (`512`, `10KB` = 10000, `1MiB` = 1048576).
// Both throw std::invalid_argument with the message a configuration error shows.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace caddyfile {

using Duration = std::chrono::nanoseconds;

Duration parse_duration(std::string_view text);
// Shortest Caddy spelling: "1m30s", "500ms", "0s".
std::string format_duration(Duration d);

uint64_t parse_size(std::string_view text);

}  // namespace caddyfile
