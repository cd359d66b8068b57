// Response handling on the routes' side: the entries of an `intercept` or a reverse_proxy's
// handle_response / replace_status (a ResponseRouteTable, the core's ResponseRoutes), the
// `intercept` handler that hands its table to the stream for whatever answers the request, and
// what only reverse_proxy's handle_response routes may use: copy_response (the upstream's response
// after all) and copy_response_headers (some or all of its header fields).
//
// Threads: built on the main thread; handle(), match() and answer() on any loop thread
// concurrently (nothing per request is kept).
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "caddyfile/config.h"
#include "server/router.h"
#include "server/routes/site.h"

namespace pogo::server {

class ResponseRouteTable final : public ResponseRoutes {
 public:
  struct Entry {
    std::optional<caddyfile::ResponseMatcherSpec> matcher;  // none: every response
    int replace_status = 0;
    std::unique_ptr<Handler> route;  // handle_response (null for replace_status)
  };
  std::vector<Entry> entries;  // in the order they are tried

  int match(int status, const std::vector<Header>& headers) const override;
  int replace_status(int i) const override { return entries[size_t(i)].replace_status; }
  std::optional<Action> answer(int i, Request& r) const override;
};

// `intercept`: the table is tried on the head of whatever answers the request.
std::unique_ptr<Handler> make_intercept_handler(std::unique_ptr<ResponseRouteTable> table);
std::unique_ptr<Handler> make_copy_response_handler(const caddyfile::CopyResponseSpec& spec);
std::unique_ptr<Handler> make_copy_response_headers_handler(const caddyfile::CopyResponseHeadersSpec& spec);

}  // namespace pogo::server
