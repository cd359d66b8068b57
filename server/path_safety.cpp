#include "server/path_safety.h"

#include <sys/stat.h>

#include <climits>
#include <cstdlib>

namespace pogo::server {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_control(unsigned char c) { return c < 0x20 || c == 0x7f; }

}  // namespace

std::optional<std::string> decode_path(std::string_view raw) {
  std::string out;
  if (!decode_path(raw, out)) return std::nullopt;
  return out;
}

bool decode_path(std::string_view raw, std::string& out) {
  out.clear();
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(raw[i]);
    if (c == '%') {
      if (i + 2 >= raw.size()) return false;
      int hi = hex_value(raw[i + 1]), lo = hex_value(raw[i + 2]);
      if (hi < 0 || lo < 0) return false;
      c = static_cast<unsigned char>(hi * 16 + lo);
      i += 2;
    }
    if (is_control(c)) return false;
    out.push_back(static_cast<char>(c));
  }
  return true;
}

std::string clean_path(std::string_view decoded) {
  std::string out;
  clean_path(decoded, out);
  return out;
}

void clean_path(std::string_view decoded, std::string& out) {
  // Segments are appended to `out` as "/seg"; ".." drops the last one.
  out.clear();
  out.reserve(decoded.size() + 1);
  size_t i = 0;
  while (i <= decoded.size()) {
    size_t j = decoded.find('/', i);
    if (j == std::string_view::npos) j = decoded.size();
    std::string_view seg = decoded.substr(i, j - i);
    if (seg == "..") {
      if (!out.empty()) out.resize(out.rfind('/'));
    } else if (!seg.empty() && seg != ".") {
      out += '/';
      out += seg;
    }
    i = j + 1;
  }
  bool trailing = false;
  if (!decoded.empty()) {
    std::string_view last = decoded.substr(decoded.rfind('/') == std::string_view::npos ? 0 : decoded.rfind('/') + 1);
    trailing = decoded.back() == '/' || last == "." || last == "..";
  }
  if (out.empty() || trailing) out += '/';
}

std::optional<std::string> sanitize_path(std::string_view raw) {
  std::string out, decoded;
  if (!sanitize_path(raw, out, decoded)) return std::nullopt;
  return out;
}

bool sanitize_path(std::string_view raw, std::string& out, std::string& scratch) {
  if (!decode_path(raw, scratch)) return false;
  clean_path(scratch, out);
  return true;
}

bool is_inside(std::string_view root, std::string_view real) {
  if (root == "/") return !real.empty() && real[0] == '/';
  if (!real.starts_with(root)) return false;
  return real.size() == root.size() || real[root.size()] == '/';
}

std::optional<std::string> resolve_inside_root(const std::string& root, std::string_view clean,
                                               struct stat* info) {
  // Fast path: lstat each component below the (already real) root. Without symlinks, "." or
  // ".." the joined path is its own realpath, and this costs one syscall per component instead
  // of realpath's readlink per component of the whole path.
  std::string joined;
  joined.reserve(root.size() + clean.size() + 2);
  if (root != "/") joined = root;
  struct stat st {};
  bool slow = false;
  size_t i = 0;
  while (i < clean.size()) {
    size_t j = clean.find('/', i);
    if (j == std::string_view::npos) j = clean.size();
    std::string_view seg = clean.substr(i, j - i);
    i = j + 1;
    if (seg.empty()) continue;
    if (seg == "." || seg == "..") {
      slow = true;
      break;
    }
    joined += '/';
    joined += seg;
    if (::lstat(joined.c_str(), &st) != 0) return std::nullopt;
    if (S_ISLNK(st.st_mode)) {
      slow = true;
      break;
    }
    if (!S_ISDIR(st.st_mode) && clean.find_first_not_of('/', i) != std::string_view::npos) return std::nullopt;
  }
  if (!slow) {
    if (joined.empty()) joined.push_back('/');
    if (joined == root && ::stat(joined.c_str(), &st) != 0) return std::nullopt;
    if (info) *info = st;
    return joined;
  }
  std::string full = root;
  full.append(clean);
  char buf[PATH_MAX];
  if (!::realpath(full.c_str(), buf)) return std::nullopt;
  std::string real(buf);
  if (!is_inside(root, real)) return std::nullopt;
  if (info && ::stat(real.c_str(), info) != 0) return std::nullopt;
  return real;
}

bool has_php_extension(std::string_view path) {
  if (path.size() < 4) return false;
  std::string_view ext = path.substr(path.size() - 4);
  return ext[0] == '.' && (ext[1] | 0x20) == 'p' && (ext[2] | 0x20) == 'h' && (ext[3] | 0x20) == 'p';
}

std::string escape_path(std::string_view decoded) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  out.reserve(decoded.size());
  for (unsigned char c : decoded) {
    bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                std::string_view("-._~/!$&'()*+,;=:@").find(char(c)) != std::string_view::npos;
    if (keep) {
      out.push_back(char(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

void split_target(std::string_view target, std::string_view& path, std::string_view& query) {
  query = {};
  if (auto scheme = target.find("://"); !target.starts_with("/") && scheme != std::string_view::npos) {
    auto slash = target.find('/', scheme + 3);
    auto q = target.find('?', scheme + 3);
    if (slash == std::string_view::npos || (q != std::string_view::npos && q < slash)) {
      path = "/";
      if (q != std::string_view::npos) query = target.substr(q + 1);
      return;
    }
    target = target.substr(slash);
  }
  if (!target.starts_with("/")) {
    path = {};
    return;
  }
  auto q = target.find('?');
  if (q == std::string_view::npos) {
    path = target;
  } else {
    path = target.substr(0, q);
    query = target.substr(q + 1);
  }
  if (auto hash = query.find('#'); hash != std::string_view::npos) query = query.substr(0, hash);
  if (auto hash = path.find('#'); hash != std::string_view::npos) path = path.substr(0, hash);
}

}  // namespace pogo::server
