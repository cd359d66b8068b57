#include "server/http_date.h"

#include <cstdio>
#include <cstring>

namespace pogo::server {

namespace {
const char* const kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

int month_index(std::string_view m) {
  for (int i = 0; i < 12; ++i)
    if (m == kMonths[i]) return i;
  return -1;
}

bool parse_int(std::string_view s, int& out) {
  if (s.empty() || s.size() > 4) return false;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

bool parse_clock(std::string_view s, tm& t) {
  return s.size() == 8 && s[2] == ':' && s[5] == ':' && parse_int(s.substr(0, 2), t.tm_hour) &&
         parse_int(s.substr(3, 2), t.tm_min) && parse_int(s.substr(6, 2), t.tm_sec);
}

std::optional<time_t> finish(tm& t) {
  if (t.tm_mon < 0 || t.tm_mday < 1 || t.tm_mday > 31 || t.tm_hour > 23 || t.tm_min > 59 || t.tm_sec > 60)
    return std::nullopt;
  return timegm(&t);
}
}  // namespace

std::string format_http_date(time_t t) {
  tm g{};
  gmtime_r(&t, &g);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[g.tm_wday], g.tm_mday,
                kMonths[g.tm_mon], g.tm_year + 1900, g.tm_hour, g.tm_min, g.tm_sec);
  return buf;
}

std::optional<time_t> parse_http_date(std::string_view s) {
  tm t{};
  int year = 0;
  auto comma = s.find(',');
  if (comma == 3 && s.size() == 29) {  // Sun, 06 Nov 1994 08:49:37 GMT
    if (s.substr(4, 1) != " " || s.substr(25) != " GMT") return std::nullopt;
    if (!parse_int(s.substr(5, 2), t.tm_mday) || !parse_int(s.substr(12, 4), year)) return std::nullopt;
    t.tm_mon = month_index(s.substr(8, 3));
    if (!parse_clock(s.substr(17, 8), t)) return std::nullopt;
    t.tm_year = year - 1900;
    return finish(t);
  }
  if (comma != std::string_view::npos) {  // Sunday, 06-Nov-94 08:49:37 GMT
    std::string_view r = s.substr(comma + 1);
    if (r.size() != 23 || r[0] != ' ' || r[3] != '-' || r[7] != '-' || r.substr(19) != " GMT") return std::nullopt;
    if (!parse_int(r.substr(1, 2), t.tm_mday) || !parse_int(r.substr(8, 2), year)) return std::nullopt;
    t.tm_mon = month_index(r.substr(4, 3));
    if (!parse_clock(r.substr(11, 8), t)) return std::nullopt;
    t.tm_year = year < 70 ? year + 100 : year;
    return finish(t);
  }
  if (s.size() == 24) {  // Sun Nov  6 08:49:37 1994
    t.tm_mon = month_index(s.substr(4, 3));
    std::string_view day = s.substr(8, 2);
    if (day[0] == ' ') day.remove_prefix(1);
    if (!parse_int(day, t.tm_mday) || !parse_clock(s.substr(11, 8), t) || !parse_int(s.substr(20, 4), year))
      return std::nullopt;
    t.tm_year = year - 1900;
    return finish(t);
  }
  return std::nullopt;
}

std::string_view cached_http_date() {
  thread_local time_t cached_at = -1;
  thread_local char buf[40];
  thread_local size_t len = 0;
  time_t now = ::time(nullptr);
  if (now != cached_at) {
    std::string s = format_http_date(now);
    std::memcpy(buf, s.data(), s.size());
    len = s.size();
    cached_at = now;
  }
  return std::string_view(buf, len);
}

}  // namespace pogo::server
