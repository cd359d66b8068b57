// The `filter` log encoder's block: `wrap json|console` and field filters by path, inside
// `fields { }` or (Caddy's newer syntax) directly in the block. Internal to log_options.cpp.
// Plain functions over the syntax tree: any thread may call them (in practice the loading thread).
#pragma once

#include "caddyfile/config.h"
#include "caddyfile/parser.h"

namespace caddyfile {

// `format filter { ... }`: fills out.wrap and out.filters; throws Error (file:line) on bad input.
void parse_filter_encoder(const Segment& format, LogConfig& out);

}  // namespace caddyfile
