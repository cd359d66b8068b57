// MIME types by file extension: a built-in table of the types a web application serves. Text
// types carry "; charset=utf-8". Unknown extensions get "application/octet-stream".
//
// Threads: pure; any thread.
#pragma once

#include <string_view>

namespace pogo::server {

// `path` may be a full path or a file name; the extension is matched case-insensitively.
std::string_view mime_type_for(std::string_view path);

}  // namespace pogo::server
