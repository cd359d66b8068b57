#include "caddyfile/handlers.h"

#include <algorithm>

#include "caddyfile/directive_order.h"
#include "caddyfile/directives/directives.h"
#include "caddyfile/matchers.h"

namespace caddyfile {

namespace {

bool looks_like_address(const std::string& s) {
    return s == "localhost" || s.find('.') != std::string::npos || s.find(':') != std::string::npos;
}

[[noreturn]] void unknown_directive(const Segment& seg, const DirectiveContext& ctx, bool site_level) {
    const Token& t = seg.name();
    const std::string& n = t.text;
    if (n == "log" || n == "tls" || n == "bind" || n == "handle_errors")
        fail(t, quoted(n) + " belongs at the top level of a site block, not inside " +
                    (site_level ? "this block" : "handle, handle_path or route"));
    if (directives::is_unsupported(n)) fail(t, "directive " + quoted(n) + " is not supported by Pogo");
    if (n == "worker" || n == "env")
        fail(t, "unrecognized directive " + quoted(n) + ": " + n + " belongs inside php_server or php");
    if (ctx.braceless_site && looks_like_address(n))
        fail(t, "unrecognized directive " + quoted(n) +
                    ": to define more than one site, wrap each site's directives in braces");
    fail(t, "unrecognized directive " + quoted(n));
}

}  // namespace

HandlerBlock build_handlers(const std::vector<Segment>& segments, const std::vector<NamedMatcher>& outer_matchers,
                            DirectiveContext& ctx, bool keep_order, const SiteDirective& site_directive) {
    HandlerBlock out;
    for (const Segment& seg : segments) {
        if (!is_matcher_definition(seg)) continue;
        NamedMatcher m = parse_named_matcher(seg);
        for (const NamedMatcher& other : out.matchers)
            if (other.name == m.name)
                fail(seg.name(), "matcher " + seg.name().text + " is defined twice (first at " + other.set.where.file +
                                     ":" + std::to_string(other.set.where.line) + ")");
        out.matchers.push_back(std::move(m));
    }
    std::vector<NamedMatcher> scope = out.matchers;
    for (const NamedMatcher& m : outer_matchers)
        if (std::none_of(scope.begin(), scope.end(), [&](const NamedMatcher& s) { return s.name == m.name; }))
            scope.push_back(m);

    for (const Segment& seg : segments) {
        if (is_matcher_definition(seg)) continue;
        if (site_directive && site_directive(seg)) continue;
        const std::string& name = seg.name().text;
        directives::Parser parser = directives::find(name);
        if (!parser) unknown_directive(seg, ctx, site_directive != nullptr);
        std::optional<MatchSpec> match;
        if (!(name == "root" && seg.arg_count() == 1)) match = inline_matcher(seg, scope);
        DirectiveInput in{seg, SegmentReader(seg, match ? 1 : 0), match.value_or(MatchSpec{}), match.has_value(), scope, ctx};
        Handler h;
        h.directive = name == "basicauth" ? "basic_auth" : name;
        if (h.directive == "handle" || h.directive == "handle_path") h.group = "handle";
        h.where = {seg.name().file, seg.name().line};
        h.match = in.match;
        h.spec = parser(in);
        out.handlers.push_back(std::move(h));
    }
    if (!keep_order) sort_handlers(out.handlers, ctx.global.directive_order, scope);
    return out;
}

}  // namespace caddyfile
