#include "caddyfile/global_options.h"

#include <arpa/inet.h>

#include <set>

#include "caddyfile/directive_order.h"
#include "caddyfile/segment_reader.h"

namespace caddyfile {

namespace {

// An IPv4 or IPv6 address, optionally with a /prefix that fits it.
bool valid_ip_or_cidr(const std::string& text) {
    std::string ip = text;
    int bits = -1;
    if (size_t slash = text.find('/'); slash != std::string::npos) {
        ip = text.substr(0, slash);
        std::string p = text.substr(slash + 1);
        if (p.empty() || p.size() > 3 || p.find_first_not_of("0123456789") != std::string::npos) return false;
        bits = std::stoi(p);
    }
    unsigned char buf[16];
    if (inet_pton(AF_INET, ip.c_str(), buf) == 1) return bits <= 32;
    if (inet_pton(AF_INET6, ip.c_str(), buf) == 1) return bits <= 128;
    return false;
}

const std::set<std::string> kAutoHttps = {"off", "disable_redirects", "disable_certs", "ignore_loaded_certs",
                                          "prefer_wildcard"};

Location where(const Token& t) { return {t.file, t.line}; }

void parse_timeouts(const Segment& seg, ServerOptions& out) {
    SegmentReader r(seg);
    r.expect_args(0, 1);
    if (r.size() == 1) {  // `timeouts D` sets them all
        Duration d = parse_duration(r[0], "timeouts");
        out.read_body = out.read_header = out.write = out.idle = d;
        r.no_block();
        return;
    }
    for (const Segment& sub : seg.block) {
        SegmentReader s(sub);
        const std::string& n = s.name().text;
        std::optional<Duration>* slot = n == "read_body"     ? &out.read_body
                                        : n == "read_header" ? &out.read_header
                                        : n == "write"       ? &out.write
                                        : n == "idle"        ? &out.idle
                                                             : nullptr;
        if (!slot) unknown_subdirective(sub, "timeouts");
        s.expect_args(1, 1);
        s.no_block();
        *slot = parse_duration(s[0], n);
    }
}

// `metrics [{ per_host }]`: Caddy's HTTP metrics (server/ counts them; metrics/http.h).
void parse_metrics(const Segment& seg, bool& metrics, bool& per_host, const BuildContext& ctx) {
    SegmentReader r(seg);
    r.expect_args(0, 0);
    metrics = true;
    for (const Segment& sub : seg.block) {
        SegmentReader s(sub);
        if (s.name().text != "per_host") unknown_subdirective(sub, "metrics");
        s.expect_args(0, 0);
        s.no_block();
        per_host = true;
        ctx.warn(s.name(), "metrics per_host: Pogo has no host label yet; the metrics are per server");
    }
}

ServerOptions parse_servers(const Segment& seg, const BuildContext& ctx) {
    SegmentReader r(seg);
    r.expect_args(0, 1);
    ServerOptions out;
    out.where = where(seg.name());
    if (r.size() == 1) out.listener = r.text(0);
    for (const Segment& sub : seg.block) {
        SegmentReader s(sub);
        const std::string& n = s.name().text;
        if (n == "timeouts") {
            parse_timeouts(sub, out);
        } else if (n == "max_header_size") {
            s.expect_args(1, 1);
            s.no_block();
            out.max_header_size = parse_size(s[0], n);
        } else if (n == "protocols") {
            s.no_block();
            for (size_t i = 0; i < s.size(); ++i) {
                const std::string& p = s.text(i);
                if (p != "h1" && p != "h2" && p != "h2c" && p != "h3")
                    fail(s[i], "protocols: expected h1, h2, h2c or h3, got " + quoted(p));
                if (p == "h3") {  // in Caddy's default list, so common in copied configs
                    ctx.warn(s[i], "Pogo does not serve HTTP/3; h3 ignored");
                    continue;
                }
                out.protocols.push_back(p);
            }
        } else if (n == "name") {
            s.expect_args(1, 1);
            out.name = s.text(0);
        } else if (n == "metrics") {  // Caddy's legacy spelling of the global `metrics` option
            parse_metrics(sub, out.metrics, out.metrics_per_host, ctx);
        } else if (n == "trusted_proxies") {
            s.expect_args(1, 1024);
            s.no_block();
            if (s.text(0) != "static")
                fail(s[0], "trusted_proxies: Pogo has the static source only (trusted_proxies static RANGES...), got " +
                               quoted(s.text(0)));
            if (s.size() < 2) fail(s[0], "trusted_proxies static: expected at least one IP range or private_ranges");
            for (size_t i = 1; i < s.size(); ++i) {
                const std::string& range = s.text(i);
                if (range != "private_ranges" && !valid_ip_or_cidr(range))
                    fail(s[i], "trusted_proxies: invalid IP address or CIDR range " + quoted(range));
                out.trusted_proxies.push_back(range);
            }
        } else if (n == "client_ip_headers") {
            s.expect_args(1, 64);
            s.no_block();
            out.client_ip_headers = s.texts();
        } else if (n == "trusted_proxies_strict") {
            s.expect_args(0, 0);
            s.no_block();
            out.trusted_proxies_strict = true;
        } else if (n == "log_credentials" || n == "enable_full_duplex") {
            s.expect_args(0, 0);
            s.no_block();
            (n == "log_credentials" ? out.log_credentials : out.enable_full_duplex) = true;
        } else if (n == "strict_sni_host" || n == "keepalive_interval" || n == "listener_wrappers") {
            ctx.warn(sub.name(), "servers option " + quoted(n) + " has no effect in Pogo");
        } else {
            unknown_subdirective(sub, "servers");
        }
    }
    return out;
}

}  // namespace

void build_global_options(const ServerBlock& block, GlobalOptions& out, const BuildContext& ctx) {
    std::set<std::string> seen;
    const Token* port_at = nullptr;
    for (const Segment& seg : block.segments) {
        SegmentReader r(seg);
        const std::string& n = r.name().text;
        if (!n.empty() && n[0] == '@') fail(r.name(), "matcher definitions are only allowed inside a site block");
        bool repeatable = n == "log" || n == "servers" || n == "order" || n == "cert_issuer";
        if (!repeatable && !seen.insert(n).second) fail(r.name(), "global option " + quoted(n) + " is set twice");
        if (n == "debug") {
            r.expect_args(0, 0);
            r.no_block();
            out.debug = true;
        } else if (n == "http_port" || n == "https_port") {
            r.expect_args(1, 1);
            r.no_block();
            (n == "http_port" ? out.http_port : out.https_port) = parse_port(r[0], n);
            port_at = &r[0];
        } else if (n == "admin") {
            r.expect_args(0, 1);
            out.admin = r.empty() ? "localhost:2019" : r.text(0);
        } else if (n == "auto_https") {
            r.expect_args(1, 1);
            r.no_block();
            if (!kAutoHttps.count(r.text(0)))
                fail(r[0], "auto_https: expected off, disable_redirects, disable_certs, ignore_loaded_certs or "
                           "prefer_wildcard, got " + quoted(r.text(0)));
            out.auto_https = r.text(0);
        } else if (n == "grace_period" || n == "shutdown_delay") {
            r.expect_args(1, 1);
            r.no_block();
            (n == "grace_period" ? out.grace_period : out.shutdown_delay) = parse_duration(r[0], n);
        } else if (n == "default_bind") {
            r.expect_args(1, 64);
            r.no_block();
            out.default_bind = r.texts();
        } else if (n == "order") {
            apply_order_option(seg, out.directive_order);
        } else if (n == "log") {
            out.logs.push_back(parse_log(seg, false, ctx));
        } else if (n == "servers") {
            out.servers.push_back(parse_servers(seg, ctx));
        } else if (n == "metrics") {
            parse_metrics(seg, out.metrics, out.metrics_per_host, ctx);
        } else if (n == "frankenphp") {
            parse_frankenphp(seg, out.frankenphp, ctx);
        } else if (n == "pogo") {
            parse_pogo(seg, out.pogo, ctx);
        } else if (!parse_certificate_option(seg, out, ctx)) {
            fail(r.name(), "unrecognized global option " + quoted(n));
        }
    }
    if (port_at && out.http_port == out.https_port)
        fail(*port_at, "http_port and https_port are both " + std::to_string(out.http_port));
}

}  // namespace caddyfile
