#include "server/routes/browse.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <nlohmann/json.hpp>

#include "server/hidden_paths.h"
#include "server/http_date.h"
#include "server/http_text.h"
#include "server/path_safety.h"
#include "server/routes/file_server.h"

namespace pogo::server {

namespace {

struct Entry {
  std::string name;
  bool dir = false, symlink = false;
  uint64_t size = 0;
  time_t mtime = 0;
  long mtime_ns = 0;
  unsigned mode = 0;
  std::string lower;  // the name lowercased: Caddy sorts case-insensitively
};

// Go's RFC 3339 with nanoseconds (trailing zeros trimmed), in UTC: how Caddy's JSON listing
// writes a modification time.
std::string rfc3339_nano(time_t t, long ns) {
  struct tm tm {};
  ::gmtime_r(&t, &tm);
  char buf[64];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out(buf, n);
  if (ns > 0) {
    char frac[32];
    std::snprintf(frac, sizeof frac, ".%09ld", ns);
    std::string f = frac;
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  return out + "Z";
}

std::string human_size(uint64_t n) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = double(n);
  int u = 0;
  while (v >= 1024 && u < 4) v /= 1024, ++u;
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

}  // namespace

Respond browse_directory(const std::string& dir, const std::string& url_path, bool json,
                         const std::vector<std::string>& hide, bool hide_defaults) {
  std::vector<Entry> entries;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      std::string full = dir + (dir.ends_with("/") ? "" : "/") + name;
      if (is_hidden(full, hide) || (hide_defaults && !default_hide_rule(name).empty())) continue;
      struct stat lst {}, st {};
      if (::lstat(full.c_str(), &lst) != 0) continue;
      Entry en;
      en.name = name;
      en.symlink = S_ISLNK(lst.st_mode);
      const struct stat& use = (en.symlink && ::stat(full.c_str(), &st) == 0) ? st : lst;
      en.dir = S_ISDIR(use.st_mode);
      en.size = uint64_t(use.st_size);
      en.mtime = use.st_mtim.tv_sec;
      en.mtime_ns = use.st_mtim.tv_nsec;
      en.lower = name;
      for (char& c : en.lower) c = char(std::tolower(static_cast<unsigned char>(c)));
      en.mode = unsigned(use.st_mode);
      entries.push_back(std::move(en));
    }
    ::closedir(d);
  }
  // Caddy's default order (namedirfirst): directories first, then by name, case-insensitively.
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    if (a.dir != b.dir) return a.dir;
    return a.lower != b.lower ? a.lower < b.lower : a.name < b.name;
  });
  Respond r;
  if (json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& e : entries)
      arr.push_back({{"name", e.name + (e.dir ? "/" : "")},
                     {"size", e.size},
                     {"url", "./" + escape_path(e.name) + (e.dir ? "/" : "")},
                     {"mod_time", rfc3339_nano(e.mtime, e.mtime_ns)},
                     {"mode", e.mode},
                     {"is_dir", e.dir},
                     {"is_symlink", e.symlink}});
    r.headers.push_back({"Content-Type", "application/json; charset=utf-8"});
    r.body = arr.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return r;
  }
  std::string title = html_escape(url_path);
  std::string& b = r.body;
  b = "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>" + title +
      "</title>\n</head>\n<body>\n<h1>" + title + "</h1>\n<table>\n<thead><tr><th>Name</th><th>Size</th><th>Modified</th></tr></thead>\n<tbody>\n";
  if (url_path != "/") b += "<tr><td><a href=\"../\">../</a></td><td>&mdash;</td><td></td></tr>\n";
  for (const auto& e : entries) {
    std::string href = "./" + escape_path(e.name) + (e.dir ? "/" : "");
    b += "<tr><td><a href=\"" + html_escape(href) + "\">" + html_escape(e.name) + (e.dir ? "/" : "") +
         "</a></td><td>" + (e.dir ? std::string("&mdash;") : human_size(e.size)) + "</td><td>" +
         format_http_date(e.mtime) + "</td></tr>\n";
  }
  b += "</tbody>\n</table>\n</body>\n</html>\n";
  r.headers.push_back({"Content-Type", "text/html; charset=utf-8"});
  return r;
}

}  // namespace pogo::server
