// The `header` directive's response operations. Operations of a directive without `defer` give
// headers the response starts with: a producer (PHP, the file server) that sets the same field
// replaces them, as it would overwrite them in Caddy. Deferred operations (`defer`, or implied by
// `-Field`, `?Field`, `>Field` and find/replace) run on the final headers just before they are
// written: set, add, delete (with `*` prefix/suffix globs), default, replace (a regular expression,
// as Caddy's SearchRegexp, its replacement expanding $1, ${1}, $name, ${name}). The same
// operations change a request's headers for `request_header` (apply_to_request).
//
// In the core, not in server/routes/: the stream applies the operations to whatever answers.
// Making them (placeholders resolved for one request, regexps compiled) is the header handlers'
// business, in server/routes/header_ops.h.
//
// Threads: built per request on its loop thread; immutable afterwards. HeaderFinds: built on the
// main thread with the handler, then shared read-only.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "caddyfile/config.h"
#include "server/exchange.h"
#include "server/regex.h"

namespace pogo::server {

// One compiled regexp per operation of a spec (nullptr for those that are not replace).
using HeaderFinds = std::vector<std::shared_ptr<const CompiledRegex>>;

class HeaderOps {
 public:
  // request_header: every operation on the request's headers, now.
  void apply_to_request(std::vector<Header>& headers) const;

  // Every directive's operations, in the order the directives ran, on `headers` (the producer's).
  static void apply_all(const std::vector<std::shared_ptr<const HeaderOps>>& all, std::vector<Header>& headers);

  std::vector<caddyfile::HeaderOp> ops;
  HeaderFinds finds;  // parallel to ops
  const CompiledRegex* find(size_t i) const { return i < finds.size() ? finds[i].get() : nullptr; }
  bool defer = false;
};

// Case-insensitive field match with "*" globs at either end.
bool header_field_matches(std::string_view pattern, std::string_view name);

}  // namespace pogo::server
