// The `header` directive's response operations. Operations of a directive without `defer` give
// headers the response starts with: a producer (PHP, the file server) that sets the same field
// replaces them, as it would overwrite them in Caddy. Deferred operations (`defer`, or implied by
// `-Field`, `?Field`, `>Field` and find/replace) run on the final headers just before they are
// written: set, add, delete (with `*` prefix/suffix globs), default, replace (substring).
//
// Threads: built per request on its loop thread; immutable afterwards.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "caddyfile/config.h"
#include "server/exchange.h"
#include "server/routes/request.h"

namespace pogo::server {

class HeaderOps {
 public:
  // `spec` with every placeholder resolved for `r`.
  static std::shared_ptr<const HeaderOps> resolve(const caddyfile::HeaderSpec& spec, const Request& r);

  // Every directive's operations, in the order the directives ran, on `headers` (the producer's).
  static void apply_all(const std::vector<std::shared_ptr<const HeaderOps>>& all, std::vector<Header>& headers);

  std::vector<caddyfile::HeaderOp> ops;
  bool defer = false;
};

// Case-insensitive field match with "*" globs at either end.
bool header_field_matches(std::string_view pattern, std::string_view name);

}  // namespace pogo::server
