// Handlers that change the request or what its response will get, then pass: root, vars, header,
// request_header, request_body, encode, vulcain.
//
// Threads: built on the main thread; handle() on any loop thread concurrently.
#pragma once

#include <memory>
#include <string>

#include "caddyfile/config.h"
#include "server/routes/site.h"

namespace pogo::server {

// `path` absolute (made so at build time) unless it holds placeholders.
std::unique_ptr<Handler> make_root_handler(std::string path);
std::unique_ptr<Handler> make_header_handler(caddyfile::HeaderSpec spec);
// request_header: the operations change the request's headers before later handlers run.
std::unique_ptr<Handler> make_request_header_handler(caddyfile::HeaderSpec spec);
// vars: sets {vars.NAME} for later handlers and matchers.
std::unique_ptr<Handler> make_vars_handler(caddyfile::VarsSpec spec);
// request_body: `max_size` (413 past it), `buffer off` (the body streams to the script as it
// arrives instead of being received whole first).
std::unique_ptr<Handler> make_request_body_handler(std::optional<uint64_t> max_size, bool stream);
std::unique_ptr<Handler> make_encode_handler(caddyfile::EncodeSpec spec);
// vulcain: what the request's Preload / Fields ask is applied to its JSON response (routes/vulcain.h).
std::unique_ptr<Handler> make_vulcain_handler(caddyfile::VulcainSpec spec);

}  // namespace pogo::server
