// The route of a `mercure` block: requests under /.well-known/mercure go to the hub's backend
// (cli/ makes it from mercure/, which the server does not know); every other path passes on to
// the next handler, as Caddy's mercure handler does.
//
// Threads: built on the main thread; handle() on any loop thread concurrently.
#pragma once

#include <memory>

#include "server/backend.h"
#include "server/routes/site.h"

namespace pogo::server {

// `hub` may be null while a configuration is only checked: the route then answers 503.
std::unique_ptr<Handler> make_hub_route(Backend* hub);

}  // namespace pogo::server
