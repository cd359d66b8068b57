#include "server/script_resolver.h"

#include <sys/stat.h>

#include "server/path_safety.h"
#include "server/routes/try_files.h"

namespace pogo::server {

namespace {

enum class Kind { Missing, File, Dir };

// Kind of root + rel, following symlinks, but only if the real target is inside root.
Kind kind_inside(const std::string& root, std::string_view rel) {
  struct stat st {};
  if (!resolve_inside_root(root, rel, &st)) return Kind::Missing;
  if (S_ISREG(st.st_mode)) return Kind::File;
  if (S_ISDIR(st.st_mode)) return Kind::Dir;
  return Kind::Missing;
}

std::string join(std::string_view dir, std::string_view name) {
  std::string out(dir);
  if (out.empty() || out.back() != '/') out += '/';
  out += name;
  return out;
}

}  // namespace

size_t php_split_position(std::string_view path) {
  static const std::vector<std::string> php{".php"};
  return split_position(path, php);
}

Resolution resolve_php_path(const std::string& root, std::string_view path, std::string_view query) {
  // What the path itself is, looked up once: most requests name a script, and a file can have
  // no index.php below it (step 1) and needs no second look as a candidate (step 2).
  const Kind path_kind = kind_inside(root, path);

  // 1. canonical directory URL
  if (!path.ends_with("/") && path_kind == Kind::Dir && kind_inside(root, join(path, "index.php")) == Kind::File) {
    std::string loc = escape_path(path) + "/";
    if (!query.empty()) {
      loc += '?';
      loc += query;
    }
    return ResolvedRedirect{std::move(loc)};
  }

  // 2. try_files {path} {path}/index.php; then a directory's index.html (what the file server
  // would serve); then the front controller index.php.
  auto try_candidate = [&](const std::string& cand, Resolution& out) {
    size_t split = php_split_position(cand);
    std::string_view file = split == std::string_view::npos ? std::string_view(cand) : std::string_view(cand).substr(0, split);
    if (file.ends_with("/")) return false;  // a directory is not a file candidate
    if ((file == path ? path_kind : kind_inside(root, file)) != Kind::File) return false;
    if (split == std::string_view::npos) {
      auto real = resolve_inside_root(root, file);
      // a script reached through a name not ending in .php (a symlink): never its source
      out = has_php_extension(*real) ? Resolution(ResolvedNotFound{}) : Resolution(ResolvedStatic{*real});
      return true;
    }
    ResolvedScript s;
    s.script_name = std::string(file);
    s.script_filename = root == "/" ? s.script_name : root + s.script_name;
    s.path_info = cand.substr(split);
    out = std::move(s);
    return true;
  };
  Resolution out;
  if (try_candidate(std::string(path), out) || try_candidate(join(path, "index.php"), out)) return out;
  if (kind_inside(root, join(path, "index.html")) == Kind::File) {
    if (path.ends_with("/")) return ResolvedStatic{*resolve_inside_root(root, join(path, "index.html"))};
  }
  if (try_candidate("/index.php", out)) return out;
  if (!path.ends_with("/") && kind_inside(root, join(path, "index.html")) == Kind::File) {
    std::string loc = escape_path(path) + "/";
    if (!query.empty()) loc += "?" + std::string(query);
    return ResolvedRedirect{std::move(loc)};
  }
  return ResolvedNotFound{};
}

}  // namespace pogo::server
