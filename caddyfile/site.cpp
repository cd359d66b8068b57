#include "caddyfile/site.h"

#include "caddyfile/addresses.h"
#include "caddyfile/global_options.h"
#include "caddyfile/handlers.h"
#include "caddyfile/segment_reader.h"

namespace caddyfile {

namespace {

TlsConfig parse_tls(const Segment& seg) {
    SegmentReader r(seg);
    r.expect_args(1, 2);
    if (r.size() == 1) {
        const std::string& a = r.text(0);
        if (a == "internal" || a.find('@') != std::string::npos)
            fail(r[0], "tls " + a + ": Pogo does not obtain or issue certificates; use \"tls CERT_FILE KEY_FILE\"");
        fail(r.name(), "missing argument for \"tls\": expected tls CERT_FILE KEY_FILE");
    }
    TlsConfig tls{r.text(0), r.text(1), {}, {seg.name().file, seg.name().line}};
    for (const Segment& sub : seg.block) {
        SegmentReader s(sub);
        s.no_block();
        if (s.name().text != "protocols") unknown_subdirective(sub, "tls");
        s.expect_args(1, 2);
        for (const std::string& p : s.texts())
            if (p != "tls1.2" && p != "tls1.3") fail(sub.name(), "tls protocols: expected tls1.2 or tls1.3, got " + quoted(p));
        tls.protocols = s.texts();
    }
    return tls;
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

    for (size_t i = 0; i < site.addresses.size(); ++i) {
        const Address& a = site.addresses[i];
        if (a.scheme != "https" || site.tls) continue;
        std::string plain = a.original.rfind("https://", 0) == 0 ? a.original.substr(8) : a.original;
        fail(block.keys[i], "site " + quoted(a.original) +
                                " would be served over HTTPS, and Pogo does not obtain certificates: add \"tls CERT_FILE "
                                "KEY_FILE\" to the site, write the address as " +
                                quoted("http://" + plain) +
                                ", or set \"auto_https off\" in the global options");
    }
    return site;
}

}  // namespace caddyfile
