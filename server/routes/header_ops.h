// The `header` and `request_header` directives' side of header operations: the regexps of a
// spec compiled once with its handler, and the operations made for one request (placeholders
// resolved). Applying them is the core's (server/header_edit.h): the stream runs them on the
// response, request_header's handler on the request.
//
// Threads: compile_header_finds() on the main thread with the handler; resolve_header_ops() on
// the request's loop thread.
#pragma once

#include <memory>

#include "caddyfile/config.h"
#include "server/header_edit.h"
#include "server/request.h"

namespace pogo::server {

// One compiled regexp per operation of a spec (nullptr for those that are not replace). Throws
// std::runtime_error on an invalid regexp.
HeaderFinds compile_header_finds(const caddyfile::HeaderSpec& spec);

// `spec` with every placeholder resolved for `r` (not in the finds: they are regexps).
std::shared_ptr<const HeaderOps> resolve_header_ops(const caddyfile::HeaderSpec& spec, const HeaderFinds& finds,
                                                    const Request& r);

}  // namespace pogo::server
