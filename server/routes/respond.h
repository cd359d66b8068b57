// Handlers that answer directly: `respond` (status, body with placeholders, `close`) and `error`
// (a status with no handle_errors to render it: Caddy answers the bare status; the message goes
// to the log).
//
// Threads: built on the main thread; handle() on any loop thread concurrently.
#pragma once

#include <memory>

#include "caddyfile/config.h"
#include "server/site.h"

namespace pogo::server {

std::unique_ptr<Handler> make_respond_handler(caddyfile::RespondSpec spec);
std::unique_ptr<Handler> make_error_handler(caddyfile::ErrorSpec spec);

}  // namespace pogo::server
