#include "caddyfile/site.h"

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

}  // namespace

Site build_site(const ServerBlock& block, const GlobalOptions& global, const BuildContext& ctx) {
    Site site;
    site.where = {block.start.file, block.start.line};
    for (const Token& key : block.keys) site.addresses.push_back(decide_address(key, global));

    auto site_directive = [&](const Segment& seg) {
        const std::string& n = seg.name().text;
        if (n == "log") {
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

    if (site.tls) apply_tls(site, global);
    return site;
}

}  // namespace caddyfile
