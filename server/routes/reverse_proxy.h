// reverse_proxy: the request goes to one of the directive's HTTP upstreams (server/proxy.h runs
// it). The handler settles per request what depends on it: the target sent upstream (the raw
// path as the client wrote it, or the rewritten one escaped, with the query) and header_up /
// header_down with their placeholders resolved. Its handle_response routes are the stream's to
// run on the upstream's head (ToProxy::responses).
//
// Threads: built on the main thread; handle() on any loop thread concurrently.
#pragma once

#include <memory>

#include "caddyfile/config.h"
#include "server/routes/intercept.h"
#include "server/routes/site.h"

namespace pogo::server {

// `responses`: its handle_response / replace_status entries (build.cpp compiles their routes), or
// null. Throws std::runtime_error on what the runtime cannot use (an invalid range, a bad regexp).
std::unique_ptr<Handler> make_reverse_proxy_handler(const caddyfile::ReverseProxySpec& spec,
                                                    std::unique_ptr<ResponseRouteTable> responses = nullptr);

}  // namespace pogo::server
