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

// Empty, keeping the strings' capacity.
void reset(FileMatch& m) {
  m.relative.clear();
  m.absolute.clear();
  m.remainder.clear();
  m.query.clear();
  m.has_query = false;
  m.status = 0;
}

std::string cwd() {
  char buf[PATH_MAX];
  return ::getcwd(buf, sizeof buf) ? std::string(buf) : std::string("/");
}

}  // namespace

size_t split_position(std::string_view path, const std::vector<std::string>& delimiters) {
  size_t best = std::string_view::npos;
  for (const auto& d : delimiters) {
    if (d.empty()) continue;
    // A delimiter that starts with no letter (".php") is looked for with memchr, then compared.
    const char first = d[0];
    const bool letter = lower(first) >= 'a' && lower(first) <= 'z';
    for (size_t i = 0; i + d.size() <= path.size(); ++i) {
      if (!letter) {
        size_t at = path.find(first, i);
        if (at == std::string_view::npos || at + d.size() > path.size()) break;
        i = at;
      }
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

namespace {
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
}  // namespace

const std::string* real_root(std::string_view root) {
  thread_local std::unordered_map<std::string, std::string, StringHash, std::equal_to<>> cache;
  thread_local std::string overflow;
  if (auto it = cache.find(root); it != cache.end()) return &it->second;
  char real[PATH_MAX];
  std::string path(root);
  if (!::realpath(path.c_str(), real)) return nullptr;
  if (cache.size() >= 1024) {  // roots made of placeholders that vary per request: bounded
    overflow = real;
    return &overflow;
  }
  return &cache.emplace(std::move(path), real).first->second;
}

std::string_view effective_root(const Template& own, const Request& r, std::string& scratch) {
  std::string_view root = r.root;
  if (!own.empty()) {
    own.expand_into(r, scratch);
    root = scratch;
  }
  if (root.empty() || root[0] != '/') {
    std::string rel(root);
    scratch = cwd();
    if (!rel.empty()) scratch += "/" + rel;
    root = scratch;
  }
  while (root.size() > 1 && root.back() == '/') root.remove_suffix(1);
  return root;
}

const FileMatch* try_files(const TryFilesOptions& o, Request& r) {
  thread_local std::string root_buf, text;
  // Two candidates: the one being looked at, and the best so far (the size and time policies).
  thread_local Candidate slots[2];
  int cur = 0, chosen = -1;
  std::string_view root = effective_root(o.root, r, root_buf);
  const std::string* resolved = real_root(root);
  std::string real_buf;
  if (!resolved) real_buf = root;
  const std::string& real = resolved ? *resolved : real_buf;
  for (size_t i = 0; i < o.files.size(); ++i) {
    o.files[i].expand_into(r, text);
    if (text.size() > 1 && text[0] == '=') {
      // "=404": only meaningful when reached (first_exist) — it ends the search with that status
      if (o.policy != "first_exist" && o.policy != "first_exist_fallback") continue;
      FileMatch& m = slots[cur].match;
      reset(m);
      m.status = std::atoi(text.c_str() + 1);
      if (m.status < 100 || m.status > 999) continue;
      return &m;
    }
    Candidate& c = slots[cur];
    reset(c.match);
    c.st = {};
    if (auto q = text.find('?'); q != std::string::npos) {
      c.match.query.assign(text, q + 1);
      c.match.has_query = true;
      text.resize(q);
    }
    // Only a pattern written with a trailing slash ("{path}/") looks for a directory: "{path}"
    // for "/" or "/dir/" wants a file, so directories fall through to the next candidate.
    std::string_view pattern = o.files[i].text();
    pattern = pattern.substr(0, pattern.find('?'));
    bool want_dir = pattern.ends_with("/");
    while (text.size() > 1 && text.back() == '/') text.pop_back();
    if (want_dir) text += '/';
    if (!o.split_path.empty()) {
      size_t pos = split_position(text, o.split_path);
      if (pos != std::string::npos) {
        c.match.remainder.assign(text, pos);
        text.resize(pos);
        want_dir = false;
      }
    }
    if (text.empty() || text[0] != '/') text.insert(text.begin(), '/');
    clean_path(text, c.match.relative);
    const std::string& clean = c.match.relative;
    c.match.absolute.assign(root);
    if (clean != "/") c.match.absolute += clean;
    bool last = i + 1 == o.files.size();
    bool found = FileCache::local().resolve(real, clean, nullptr, &c.st);
    bool ok = found && (want_dir ? S_ISDIR(c.st.st_mode) : S_ISREG(c.st.st_mode));
    if (!ok) {
      if (last && o.policy == "first_exist_fallback") return &c.match;
      continue;
    }
    if (o.policy == "first_exist" || o.policy == "first_exist_fallback") return &c.match;
    bool better = chosen < 0;
    if (!better) {
      const struct stat& best = slots[chosen].st;
      if (o.policy == "smallest_size") better = c.st.st_size < best.st_size;
      else if (o.policy == "largest_size") better = c.st.st_size > best.st_size;
      else if (o.policy == "most_recently_modified")
        better = c.st.st_mtim.tv_sec > best.st_mtim.tv_sec ||
                 (c.st.st_mtim.tv_sec == best.st_mtim.tv_sec && c.st.st_mtim.tv_nsec > best.st_mtim.tv_nsec);
    }
    if (better) {
      chosen = cur;
      cur = 1 - cur;  // the next candidate goes to the other slot
    }
  }
  return chosen >= 0 ? &slots[chosen].match : nullptr;
}

void set_file_match_placeholders(const FileMatch& m, Request& r) {
  r.file_match.set = true;
  r.file_match.relative.assign(m.relative);
  r.file_match.absolute.assign(m.absolute);
  r.file_match.remainder.assign(m.remainder);
}

}  // namespace pogo::server
