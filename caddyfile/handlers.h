// Turning a block's segments into handlers: named matcher definitions first (scoped to the block),
// then each directive with its inline matcher, then Caddy's directive order (unless the block is a
// `route`, which keeps written order).
#pragma once

#include <functional>
#include <vector>

#include "caddyfile/build_context.h"
#include "caddyfile/config.h"
#include "caddyfile/parser.h"
#include "caddyfile/segment_reader.h"

namespace caddyfile {

struct DirectiveContext {
    const BuildContext& build;
    const GlobalOptions& global;
    bool braceless_site = false;  // for the "did you mean a second site?" hint
};

// A handler directive as its parser sees it: the arguments after the matcher token.
struct DirectiveInput {
    const Segment& seg;
    SegmentReader args;
    MatchSpec match;
    bool has_matcher = false;
    const std::vector<NamedMatcher>& matchers;  // in scope
    DirectiveContext& ctx;
};

// Site-level directives that are not handlers (log, tls, bind): return true when consumed.
using SiteDirective = std::function<bool(const Segment&)>;

struct HandlerBlock {
    std::vector<NamedMatcher> matchers;
    std::vector<Handler> handlers;
};

HandlerBlock build_handlers(const std::vector<Segment>& segments, const std::vector<NamedMatcher>& outer_matchers,
                            DirectiveContext& ctx, bool keep_order, const SiteDirective& site_directive = nullptr);

}  // namespace caddyfile
