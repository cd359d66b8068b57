// php_server, php_fastcgi and php: PHP for the embedded engine, as FrankenPHP expands them.
// php_server and php_fastcgi first redirect a directory holding the index file to its slash form
// (308), then rewrite by try_files (default `{path} {path}/INDEX INDEX`, policy
// first_exist_fallback), then hand paths that split at a split_path extension ("/a.php/rest") to
// the backend with SCRIPT_NAME/PATH_INFO filled in; php_server serves every other path with the
// file server. `php` only hands over what it is given (the path split, or the path itself).
//
// Threads: built on the main thread; handle() on any loop thread concurrently.
#pragma once

#include <memory>

#include "caddyfile/config.h"
#include "server/backend.h"
#include "server/routes/site.h"

namespace pogo::server {

enum class PhpKind { server, fastcgi, php };

std::unique_ptr<Handler> make_php_handler(caddyfile::PhpSpec spec, PhpKind kind, Backend* backend);

}  // namespace pogo::server
