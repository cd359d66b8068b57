// The built-in hide list: paths a static file server never serves unless the configuration opts
// out (`hide_defaults off` in file_server / php_server, `--no-hide-defaults` for php-server).
// Caddy and FrankenPHP serve these as ordinary files; deployments that copy a whole project
// directory as the document root leak secrets through them — environment files, version-control
// metadata, Apache access files, editors' and merges' copies of PHP sources (which, not ending in
// ".php", would be sent as text). It is Caddy's `file_server { hide }` with a default list:
//
//   a path component named  .git  .svn  .hg  .htaccess  .htpasswd, or starting with  .env
//   a path component ending in  .php~  .php.bak  .php.swp  .php.orig
//
// anywhere in the path, ASCII case-insensitively (a case-insensitive file system would otherwise
// serve ".GIT/config"). "/.well-known/" matches none of these and is served as usual.
//
// Threads: any (pure, except for the debug line refuse_hidden() writes).
#pragma once

#include <string_view>

namespace pogo::server {

// The rule of the built-in list that `path` (a cleaned path below the document root, starting
// with '/') matches, for the log line; empty when none does.
std::string_view default_hide_rule(std::string_view path);

// True when a file server must answer 404 instead of serving `real_file`: the request's path or
// the file's real path below `real_root` (a symlink can give a harmless name to a hidden file)
// matches the built-in list. Writes the debug line that says which rule refused it.
bool refuse_hidden(std::string_view request_path, std::string_view real_file, std::string_view real_root);

}  // namespace pogo::server
