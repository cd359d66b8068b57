// handle, handle_path, route: blocks of directives. handle and handle_path sort their directives
// like a site; route keeps them as written.
#include "caddyfile/directives/directives.h"

namespace caddyfile::directives {

namespace {

SubrouteSpec block(DirectiveInput& in, bool keep_order) {
    in.args.expect_args(0, 0);
    HandlerBlock b = build_handlers(in.seg.block, in.matchers, in.ctx, keep_order);
    SubrouteSpec spec;
    spec.matchers = std::move(b.matchers);
    spec.handlers = std::move(b.handlers);
    return spec;
}

}  // namespace

HandlerSpec handle(DirectiveInput& in) { return block(in, false); }

HandlerSpec route(DirectiveInput& in) { return block(in, true); }

HandlerSpec handle_path(DirectiveInput& in) {
    if (!in.has_matcher || in.match.kind != MatchSpec::Kind::path)
        fail(in.seg.name(), "handle_path needs a path matcher as its first argument, e.g. handle_path /api/*");
    SubrouteSpec spec = block(in, false);
    spec.strip_prefix = in.match.value;
    if (!spec.strip_prefix.empty() && spec.strip_prefix.back() == '*') spec.strip_prefix.pop_back();
    return spec;
}

}  // namespace caddyfile::directives
