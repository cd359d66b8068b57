// Handlers that answer directly: `respond` (status, body with placeholders, `close`) and `error`
// (a handler error: the site's handle_errors renders it; without one that handles its status,
// Caddy answers the bare status and the message goes to the log).
//
// Threads: built on the main thread; handle() on any loop thread concurrently.
#pragma once

#include <memory>

#include "caddyfile/config.h"
#include "server/routes/site.h"

namespace pogo::server {

std::unique_ptr<Handler> make_respond_handler(caddyfile::RespondSpec spec);
std::unique_ptr<Handler> make_error_handler(caddyfile::ErrorSpec spec);

}  // namespace pogo::server
