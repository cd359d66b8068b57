#include "caddyfile/site.h"

#include <algorithm>

#include "caddyfile/addresses.h"
#include "caddyfile/global_options.h"
#include "caddyfile/handlers.h"
#include "caddyfile/segment_reader.h"
#include "caddyfile/tls_directive.h"

namespace caddyfile {

namespace {

// Caddy turns TLS on for every address of a site with a `tls` directive that is not plainly HTTP
// (written http://, or on the HTTP port): ":8443 { tls c k }" is HTTPS, and so is "example.com"
// under `auto_https off`, which otherwise leaves implicit addresses on HTTP.
void apply_tls(Site& site, const GlobalOptions& global) {
    bool any_https = false;
    for (Address& a : site.addresses) {
        if (a.original.find("://") == std::string::npos && a.port != global.http_port) a.scheme = "https";
        any_https = any_https || a.scheme == "https";
    }
    if (!any_https)
        fail_at(site.tls->where.file, site.tls->where.line,
                "tls: site " + quoted(site.addresses.front().original) +
                    " is served over HTTP only, so \"tls\" would have no effect: remove it, or serve the site over "
                    "https://");
}

// `handle_errors 404 410 5xx { ... }`: each argument a status code (400-599) or a class (4xx, 5xx).
ErrorRoute parse_handle_errors(const Segment& seg, const std::vector<NamedMatcher>& site_matchers,
                               DirectiveContext& ctx) {
    SegmentReader r(seg);
    if (!r.has_block()) fail(seg.name(), "handle_errors needs a block of directives: handle_errors [codes] { ... }");
    ErrorRoute route;
    route.where = {seg.name().file, seg.name().line};
    for (size_t i = 0; i < r.size(); ++i) {
        const Token& t = r[i];
        const std::string& v = t.text;
        bool is_class = v.size() == 3 && v[0] >= '4' && v[0] <= '5' && v[1] == 'x' && v[2] == 'x';
        if (is_class) {
            route.classes.push_back(v[0] - '0');
        } else if (looks_like_status(v) && v >= "400" && v <= "599") {
            route.codes.push_back(std::stoi(v));
        } else {
            fail(t, "handle_errors: bad status value " + quoted(v) +
                        ": expected an error status code (400-599, e.g. 404) or a class (4xx, 5xx)");
        }
    }
    HandlerBlock b = build_handlers(seg.block, site_matchers, ctx, false);
    route.matchers = std::move(b.matchers);
    route.handlers = std::move(b.handlers);
    return route;
}

// Caddy's order of specificity: specific codes, then classes, then the catch-all.
int specificity_rank(const ErrorRoute& e) {
    if (e.codes.empty() && e.classes.empty()) return 2;
    return e.classes.empty() ? 0 : 1;
}

}  // namespace

Site build_site(const ServerBlock& block, const GlobalOptions& global, const BuildContext& ctx) {
    Site site;
    site.where = {block.start.file, block.start.line};
    for (const Token& key : block.keys) site.addresses.push_back(decide_address(key, global));

    std::vector<const Segment*> handle_errors;  // built once the site's named matchers are known
    auto site_directive = [&](const Segment& seg) {
        const std::string& n = seg.name().text;
        if (n == "handle_errors") {
            handle_errors.push_back(&seg);
        } else if (n == "log") {
            site.logs.push_back(parse_log(seg, true, ctx));
        } else if (n == "tls") {
            if (site.tls) fail(seg.name(), "\"tls\" is set twice in this site");
            site.tls = parse_tls(seg);
        } else if (n == "bind") {
            SegmentReader r(seg);
            r.expect_args(1, 64);
            r.no_block();
            site.bind = r.texts();
        } else {
            return false;
        }
        return true;
    };
    DirectiveContext dctx{ctx, global, !block.has_braces};
    HandlerBlock b = build_handlers(block.segments, {}, dctx, false, site_directive);
    site.matchers = std::move(b.matchers);
    site.handlers = std::move(b.handlers);
    for (const Segment* seg : handle_errors) site.errors.push_back(parse_handle_errors(*seg, site.matchers, dctx));
    std::stable_sort(site.errors.begin(), site.errors.end(), [](const ErrorRoute& a, const ErrorRoute& b) {
        return specificity_rank(a) < specificity_rank(b);
    });

    if (site.tls) apply_tls(site, global);
    return site;
}

}  // namespace caddyfile
