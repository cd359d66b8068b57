// What `pogo php-server` serves, as a caddyfile::Config: the configuration FrankenPHP's
// php-server builds (caddy/php-server.go), which `pogo php-server` then runs through exactly the
// code of `pogo run` (run_plan.h, runtime.h). One site on the listen address (a catch-all, or the
// --domain host with automatic HTTPS), `encode zstd br gzip` unless --no-compress, then
// `php_server` with its file server; the --worker files are global `frankenphp` workers, the
// --watch patterns going to the first; --access-log is the site's access log; the admin API is off.
//
// The Config is built here in code, not written as Caddyfile text and parsed: a listen address
// on port 0 (an ephemeral port, what the tests use) has no Caddyfile spelling (an address's port 0
// means "the scheme's default"), and a root or worker path needs no quoting or placeholder escaping.
//
// Threads: main thread.
#pragma once

#include <string>
#include <vector>

#include "caddyfile/config.h"

namespace pogo::cli {

struct PhpServerFlags {
  std::string listen;  // "" = :8080 (Pogo's default; FrankenPHP's is :80), or :443 with a domain
  std::string root = ".";
  std::string domain;  // "" = any host over HTTP
  struct Worker {
    std::string file;  // absolute
    int num = 0;       // 0: the runtime's default
  };
  std::vector<Worker> workers;
  std::vector<std::string> watch;  // patterns of the first worker
  bool access_log = false;
  bool debug = false;
  bool compress = true;       // false: --no-compress
  bool hide_defaults = true;  // false: --no-hide-defaults
  bool mercure = false;       // --mercure: the hub, keys from MERCURE_{PUBLISHER,SUBSCRIBER}_JWT_{KEY,ALG}
};

// Throws caddyfile::Error (an unusable listen address) naming the flag.
caddyfile::Config php_server_config(const PhpServerFlags& flags);

}  // namespace pogo::cli
