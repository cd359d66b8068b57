// What a route decided for one request, as plain data the stream carries out: answer directly
// (Respond), serve a file (ServeFile), hand the request to a backend (ToBackend), proxy it to an
// HTTP upstream (ToProxy, server/proxy.h) or, in a handle_response route, let the upstream's
// response through after all (CopyResponse). The core's
// vocabulary: server/routes/ produces Actions, the Stream executes them, and neither needs the
// other's types to do so.
//
// Threads: plain values; made and consumed on the loop thread of the request they are for.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "server/backend.h"
#include "server/exchange.h"
#include "server/proxy.h"

namespace pogo::server {

// Answer directly (errors, redirects).
struct Respond {
  int status = 200;
  std::vector<Header> headers;
  std::string body;
  // A handler error (the error directive, file_server's 404): the site's handle_errors routes may
  // answer it instead; without one that handles the status, this response goes out as it is.
  bool error = false;
  std::string error_message;
};
// Serve this file (absolute real path inside the root) with static-file semantics.
struct ServeFile {
  std::string file;
  std::string type_of;          // when set, the Content-Type comes from this name (precompressed sidecars)
  std::vector<Header> headers;  // added to the file's headers (Content-Encoding, Vary)
  int status = 0;               // when set, replaces a 200
};
// Hand the request (its CGI fields now filled in) to this backend.
struct ToBackend {
  Backend* backend = nullptr;
};
// Inside reverse_proxy's handle_response: the upstream's response goes out after all, its body
// streamed as it comes (copy_response), with this status when set. Anywhere else it is a 500.
struct CopyResponse {
  int status = 0;
};
using Action = std::variant<Respond, ServeFile, ToBackend, ToProxy, CopyResponse>;

// A small text/plain response.
Respond make_error_response(int status);
// make_error_response() marked as a handler error (Respond::error) for handle_errors.
Respond make_handler_error(int status, std::string message = {});

}  // namespace pogo::server
