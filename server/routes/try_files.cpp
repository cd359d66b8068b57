#include "server/routes/try_files.h"

#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <unordered_map>

#include "server/file_cache.h"
#include "server/path_safety.h"
#include "server/routes/placeholders.h"

namespace pogo::server {

namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }

struct Candidate {
  FileMatch match;
  struct stat st {};
};

std::string cwd() {
  char buf[PATH_MAX];
  return ::getcwd(buf, sizeof buf) ? std::string(buf) : std::string("/");
}

}  // namespace

size_t split_position(std::string_view path, const std::vector<std::string>& delimiters) {
  size_t best = std::string_view::npos;
  for (const auto& d : delimiters) {
    if (d.empty()) continue;
    for (size_t i = 0; i + d.size() <= path.size(); ++i) {
      bool eq = true;
      for (size_t k = 0; k < d.size() && eq; ++k) eq = lower(path[i + k]) == lower(d[k]);
      if (!eq) continue;
      size_t end = i + d.size();
      if (end == path.size() || path[end] == '/') {
        if (end < best) best = end;
        break;
      }
    }
  }
  return best;
}

std::optional<std::string> real_root(const std::string& root) {
  thread_local std::unordered_map<std::string, std::string> cache;
  if (auto it = cache.find(root); it != cache.end()) return it->second;
  char real[PATH_MAX];
  if (!::realpath(root.c_str(), real)) return std::nullopt;
  if (cache.size() > 256) cache.clear();
  return cache.emplace(root, real).first->second;
}

std::string effective_root(const std::string& own, const Request& r) {
  std::string root = own.empty() ? r.root : replace_placeholders(own, r);
  if (root.empty()) return cwd();
  if (root[0] != '/') root = cwd() + "/" + root;
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  return root;
}

std::optional<FileMatch> try_files(const TryFilesOptions& o, Request& r) {
  std::string root = effective_root(o.root, r);
  std::string real = real_root(root).value_or(root);
  std::optional<Candidate> chosen;
  for (size_t i = 0; i < o.files.size(); ++i) {
    std::string text = replace_placeholders(o.files[i], r);
    if (text.size() > 1 && text[0] == '=') {
      // "=404": only meaningful when reached (first_exist) — it ends the search with that status
      if (o.policy != "first_exist" && o.policy != "first_exist_fallback") continue;
      FileMatch m;
      m.status = std::atoi(text.c_str() + 1);
      if (m.status < 100 || m.status > 999) continue;
      return m;
    }
    Candidate c;
    if (auto q = text.find('?'); q != std::string::npos) {
      c.match.query = text.substr(q + 1);
      c.match.has_query = true;
      text.resize(q);
    }
    // Only a pattern written with a trailing slash ("{path}/") looks for a directory: "{path}"
    // for "/" or "/dir/" wants a file, so directories fall through to the next candidate.
    std::string_view pattern = o.files[i];
    pattern = pattern.substr(0, pattern.find('?'));
    bool want_dir = pattern.ends_with("/");
    while (text.size() > 1 && text.back() == '/') text.pop_back();
    if (want_dir) text += '/';
    if (!o.split_path.empty()) {
      size_t pos = split_position(text, o.split_path);
      if (pos != std::string::npos) {
        c.match.remainder = text.substr(pos);
        text.resize(pos);
        want_dir = false;
      }
    }
    std::string clean = clean_path(text.empty() || text[0] != '/' ? "/" + text : text);
    c.match.relative = clean;
    c.match.absolute = root + (clean == "/" ? "" : clean);
    bool last = i + 1 == o.files.size();
    auto found = FileCache::local().resolve(real, clean, &c.st);
    bool ok = found && (want_dir ? S_ISDIR(c.st.st_mode) : S_ISREG(c.st.st_mode));
    if (!ok) {
      if (last && o.policy == "first_exist_fallback") return c.match;
      continue;
    }
    if (o.policy == "first_exist" || o.policy == "first_exist_fallback") return c.match;
    bool better = !chosen;
    if (chosen) {
      if (o.policy == "smallest_size") better = c.st.st_size < chosen->st.st_size;
      else if (o.policy == "largest_size") better = c.st.st_size > chosen->st.st_size;
      else if (o.policy == "most_recently_modified")
        better = c.st.st_mtim.tv_sec > chosen->st.st_mtim.tv_sec ||
                 (c.st.st_mtim.tv_sec == chosen->st.st_mtim.tv_sec && c.st.st_mtim.tv_nsec > chosen->st.st_mtim.tv_nsec);
    }
    if (better) chosen = std::move(c);
  }
  if (chosen) return chosen->match;
  return std::nullopt;
}

void set_file_match_placeholders(const FileMatch& m, Request& r) {
  r.vars["http.matchers.file.relative"] = m.relative;
  r.vars["http.matchers.file.absolute"] = m.absolute;
  r.vars["http.matchers.file.remainder"] = m.remainder;
  r.vars["http.matchers.file.type"] = !m.relative.empty() && m.relative.back() == '/' ? "directory" : "file";
}

}  // namespace pogo::server
