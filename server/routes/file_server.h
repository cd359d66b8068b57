// `file_server [browse] { root hide index precompressed status pass_thru disable_canonical_uris }`:
// static files under the root (the handler's own, else the site's `root`), index files for
// directories, canonical URIs (a directory gets its trailing slash, a file loses one, by 308),
// hidden paths as if missing (the `hide` list, and unless `hide_defaults off` the built-in one of
// hidden_paths.h), precompressed sidecars (`.br`, `.zst`, `.gz`) chosen by
// Accept-Encoding, and directory listings with `browse`. PHP sources are never served.
//
// Threads: built on the main thread; handle() on any loop thread concurrently.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "caddyfile/config.h"
#include "server/routes/site.h"

namespace pogo::server {

// Caddy's hide rule: a pattern without '/' is matched against every path component; one with '/'
// (absolute: the file_server handler resolves relative ones at start-up) against the whole
// absolute path (glob) or as its prefix.
bool is_hidden(std::string_view absolute_path, const std::vector<std::string>& hide);

// `hide` gets the Caddyfile itself added, as Caddy does.
std::unique_ptr<Handler> make_file_server_handler(caddyfile::FileServerSpec spec, std::string caddyfile_path);

// The file-server step php_server ends with (default index files, no browse).
std::unique_ptr<Handler> make_php_static_handler(std::string root, bool hide_defaults);

}  // namespace pogo::server
