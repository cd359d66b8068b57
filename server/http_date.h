// HTTP dates (RFC 9110 IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT"): formatting, parsing
// (IMF-fixdate, RFC 850 and asctime forms), and the per-thread cached value of "now" used for
// the Date header, refreshed once per second.
//
// Threads: any; the cache is thread_local, so each loop has its own.
#pragma once

#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace pogo::server {

std::string format_http_date(time_t t);
std::optional<time_t> parse_http_date(std::string_view s);

// The current time as an HTTP date; recomputed at most once per second per thread.
std::string_view cached_http_date();

}  // namespace pogo::server
