#include "server/watch_pattern.h"

#include <filesystem>
#include <stdexcept>

namespace pogo::server {

namespace fs = std::filesystem;

namespace {

constexpr size_t npos = std::string_view::npos;

std::vector<std::string_view> split(std::string_view s) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    size_t slash = s.find('/', start);
    out.push_back(s.substr(start, slash == npos ? npos : slash - start));
    if (slash == npos) return out;
    start = slash + 1;
  }
}

// One class item: a character, or an escaped one. Returns false at the end of the glob.
bool class_char(std::string_view pat, size_t& p, char& c) {
  if (p >= pat.size()) return false;
  if (pat[p] == '\\') ++p;
  if (p >= pat.size()) return false;
  c = pat[p++];
  return true;
}

// `pat[p]` is just past a '['. Sets `p` past the closing ']' and `matched`; false when malformed
// (Go's filepath.Match rejects "[]" and an unclosed class, and so do we).
bool match_class(std::string_view pat, size_t& p, char c, bool& matched) {
  bool negate = p < pat.size() && pat[p] == '^';
  if (negate) ++p;
  bool in = false;
  for (unsigned items = 0;; ++items) {
    if (p < pat.size() && pat[p] == ']' && items > 0) {
      ++p;
      matched = in != negate;
      return true;
    }
    char lo, hi;
    if (!class_char(pat, p, lo)) return false;
    hi = lo;
    if (p + 1 < pat.size() && pat[p] == '-' && pat[p + 1] != ']') {
      ++p;
      if (!class_char(pat, p, hi)) return false;
    }
    if (lo <= c && c <= hi) in = true;
  }
}

// One path component against one glob component (no '/' in either).
bool match_component(std::string_view pat, std::string_view name) {
  size_t p = 0, n = 0;
  size_t star_p = npos, star_n = 0;  // where to resume after the last '*' (backtracking)
  while (n < name.size()) {
    bool advanced = false;
    if (p < pat.size()) {
      char pc = pat[p];
      if (pc == '*') {
        star_p = ++p;
        star_n = n;
        continue;
      }
      if (pc == '?') {
        ++p, ++n;
        continue;
      }
      if (pc == '[') {
        size_t q = p + 1;
        bool matched = false;
        if (!match_class(pat, q, name[n], matched)) return false;
        if (matched) p = q, ++n, advanced = true;
      } else {
        size_t q = p;
        if (pc == '\\' && ++q >= pat.size()) return false;
        if (pat[q] == name[n]) p = q + 1, ++n, advanced = true;
      }
    }
    if (advanced) continue;
    if (star_p == npos) return false;
    p = star_p;
    n = ++star_n;
  }
  while (p < pat.size() && pat[p] == '*') ++p;
  return p == pat.size();
}

bool match_components(const std::vector<std::string_view>& pat, size_t i, const std::vector<std::string_view>& path,
                      size_t j) {
  for (; i < pat.size(); ++i, ++j) {
    if (pat[i] == "**") {
      while (i + 1 < pat.size() && pat[i + 1] == "**") ++i;
      if (i + 1 == pat.size()) return true;
      for (size_t k = j; k <= path.size(); ++k)
        if (match_components(pat, i + 1, path, k)) return true;
      return false;
    }
    if (j >= path.size() || !match_component(pat[i], path[j])) return false;
  }
  return j == path.size();
}

// The '}' closing the '{' at `open`, skipping escapes and nested sets; npos when unclosed.
size_t closing_brace(std::string_view s, size_t open) {
  int depth = 0;
  for (size_t i = open; i < s.size(); ++i) {
    if (s[i] == '\\') ++i;
    else if (s[i] == '{') ++depth;
    else if (s[i] == '}' && --depth == 0) return i;
  }
  return npos;
}

bool has_glob_char(std::string_view component) { return component.find_first_of("*?[{") != npos; }

std::string current_dir() {
  std::error_code ec;
  fs::path p = fs::current_path(ec);
  return ec ? std::string("/") : p.string();
}

}  // namespace

std::vector<std::string> expand_braces(std::string_view glob) {
  size_t open = npos;
  for (size_t i = 0; i < glob.size(); ++i) {
    if (glob[i] == '\\') ++i;
    else if (glob[i] == '{' && closing_brace(glob, i) != npos) {
      open = i;
      break;
    }
  }
  if (open == npos) return {std::string(glob)};
  size_t close = closing_brace(glob, open);
  std::string_view prefix = glob.substr(0, open), suffix = glob.substr(close + 1);
  std::vector<std::string> out;
  int depth = 0;
  size_t start = open + 1;
  for (size_t i = open + 1; i <= close; ++i) {
    char c = glob[i];
    if (c == '\\') {
      ++i;
      continue;
    }
    if (c == '{') ++depth;
    else if (c == '}' && depth > 0) --depth;
    else if ((c == ',' && depth == 0) || i == close) {
      std::string alt = std::string(prefix).append(glob.substr(start, i - start)).append(suffix);
      for (auto& e : expand_braces(alt)) out.push_back(std::move(e));
      start = i + 1;
    }
  }
  return out;
}

bool glob_valid(std::string_view glob) {
  for (const std::string& g : expand_braces(glob)) {
    for (size_t p = 0; p < g.size(); ++p) {
      if (g[p] == '\\') {
        if (++p >= g.size()) return false;
      } else if (g[p] == '[') {
        size_t q = p + 1;
        bool matched;
        if (!match_class(g, q, 'a', matched)) return false;
        p = q - 1;
      }
    }
  }
  return true;
}

bool glob_match(std::string_view glob, std::string_view path) {
  const auto names = split(path);
  for (const std::string& g : expand_braces(glob))
    if (match_components(split(g), 0, names, 0)) return true;
  return false;
}

WatchPattern WatchPattern::parse(std::string_view pattern, const std::string& base_dir) {
  WatchPattern w;
  w.written = std::string(pattern);
  std::string abs = std::string(pattern);
  if (abs.empty() || abs[0] != '/') abs = (base_dir.empty() ? current_dir() : base_dir) + "/" + abs;
  std::string norm = fs::path(abs).lexically_normal().string();
  while (norm.size() > 1 && norm.back() == '/') norm.pop_back();

  std::error_code ec;
  auto parts = split(std::string_view(norm).substr(1));
  size_t glob_from = parts.size();
  if (!fs::is_directory(norm, ec)) {
    for (size_t i = 0; i < parts.size(); ++i) {
      bool file_name = i + 1 == parts.size() && parts[i].find('.') != npos;
      if (has_glob_char(parts[i]) || file_name) {
        glob_from = i;
        break;
      }
    }
  }
  std::string dir, glob;
  for (size_t i = 0; i < parts.size(); ++i) {
    std::string& to = i < glob_from ? dir : glob;
    if (i < glob_from || !glob.empty()) to += '/';
    to += parts[i];
  }
  if (dir.empty()) dir.push_back('/');  // (not = "/": GCC 12 warns -Wrestrict, wrongly)
  if (fs::path canonical = fs::canonical(dir, ec); !ec) dir = canonical.string();
  if (!glob_valid(glob)) throw std::invalid_argument("watch pattern \"" + w.written + "\": malformed glob");
  w.dir = std::move(dir);
  w.glob = std::move(glob);
  w.recursive = w.glob.empty() || w.glob.find('/') != npos || w.glob.find("**") != npos;
  return w;
}

bool WatchPattern::matches(std::string_view path) const {
  if (path == dir) return glob.empty();
  std::string_view rest;
  if (dir == "/") {
    if (path.empty() || path[0] != '/') return false;
    rest = path.substr(1);
  } else {
    if (path.size() <= dir.size() || path.compare(0, dir.size(), dir) != 0 || path[dir.size()] != '/') return false;
    rest = path.substr(dir.size() + 1);
  }
  return glob.empty() || glob_match(glob, rest);
}

bool WatchPattern::covers_dir(std::string_view path) const {
  if (path == dir) return true;
  if (!recursive) return false;
  if (dir == "/") return true;
  return path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 && path[dir.size()] == '/';
}

}  // namespace pogo::server
