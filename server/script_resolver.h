// php_server path resolution, as FrankenPHP's php_server does it with Caddy matchers:
//   1. a directory holding index.php, requested without a trailing slash -> 308 to path + "/";
//   2. try_files {path} {path}/index.php index.php, each candidate split after the first ".php"
//      (ASCII case-insensitive) that ends a path segment, as Caddy's file matcher splits: so
//      "/a.php/b" is the script "/a.php" with PATH_INFO "/b", while "/a.php.bak" is the file of
//      that name, never a.php (the same in `pogo run`'s php_server, which splits with try_files);
//   3. a directory requested with a trailing slash and holding index.html is a static file;
//   4. otherwise not found.
// A candidate counts only if its realpath stays inside the root (symlink escapes don't match).
//
// Threads: pure over the file system (stat/realpath, may block on a cold disk like any stat);
// any thread.
#pragma once

#include <string>
#include <string_view>
#include <variant>

namespace pogo::server {

struct ResolvedRedirect {
  std::string location;  // path-absolute, percent-encoded, with the query
};
struct ResolvedStatic {
  std::string file;  // absolute real path of a regular file inside the root
};
struct ResolvedScript {
  std::string script_filename;  // root + script_name (absolute)
  std::string script_name;      // "/index.php"
  std::string path_info;        // "" or "/rest"
};
struct ResolvedNotFound {};

using Resolution = std::variant<ResolvedNotFound, ResolvedRedirect, ResolvedStatic, ResolvedScript>;

// `root`: absolute real path of the document root. `path`: a cleaned, decoded request path
// (see path_safety.h). `query`: raw query, kept on redirects.
Resolution resolve_php_path(const std::string& root, std::string_view path, std::string_view query);

// The position just after the first ".php" (ASCII case-insensitive) followed by '/' or the end
// of the path, or npos.
size_t php_split_position(std::string_view path);

}  // namespace pogo::server
