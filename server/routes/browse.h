// file_server browse: a directory's listing as an HTML page (names escaped; hidden entries left
// out) or, when the client asks for application/json, as Caddy's JSON array.
//
// Threads: any (reads the directory).
#pragma once

#include <string>
#include <vector>

#include "server/routes/site.h"

namespace pogo::server {

// `dir`: absolute path of the directory; `url_path`: its request path, ending in '/'.
// `hide_defaults`: leave out what the built-in hide list covers (hidden_paths.h) too.
Respond browse_directory(const std::string& dir, const std::string& url_path, bool json,
                         const std::vector<std::string>& hide, bool hide_defaults = true);

}  // namespace pogo::server
