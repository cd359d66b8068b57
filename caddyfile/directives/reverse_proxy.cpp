// reverse_proxy [matcher] [UPSTREAMS...] { to; header_up; header_down; trusted_proxies;
// transport http { dial_timeout response_header_timeout read_buffer keepalive keepalive_idle_conns
// tls tls_insecure_skip_verify tls_server_name tls_trusted_ca_certs tls_trust_pool };
// @name response matchers, handle_response, replace_status (intercept.cpp) }
// Caddy's other sub-directives are refused by name until Pogo has them.
#include <arpa/inet.h>

#include <set>

#include "caddyfile/directives/directives.h"

namespace caddyfile::directives {

namespace {

bool is_ip(const std::string& s) {
    unsigned char buf[16];
    return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

bool valid_range(const std::string& text) {
    std::string ip = text;
    if (size_t slash = text.find('/'); slash != std::string::npos) {
        ip = text.substr(0, slash);
        std::string p = text.substr(slash + 1);
        if (p.empty() || p.size() > 3 || p.find_first_not_of("0123456789") != std::string::npos) return false;
        unsigned char buf[16];
        int bits = std::stoi(p);
        if (inet_pton(AF_INET, ip.c_str(), buf) == 1) return bits <= 32;
        if (inet_pton(AF_INET6, ip.c_str(), buf) == 1) return bits <= 128;
        return false;
    }
    return is_ip(ip);
}

// Caddy's reverse_proxy sub-directives Pogo does not have yet: refused by name, never ignored.
const std::set<std::string>& not_yet() {
    static const std::set<std::string> names = {
        "dynamic",          "lb_retry_match",   "health_port",       "health_passes",   "health_fails",
        "health_body",      "health_headers",   "health_method",     "health_request_body", "health_follow_redirects",
        "unhealthy_latency", "unhealthy_request_count",
        "request_buffers",  "response_buffers",  "stream_timeout",  "stream_close_delay",
        "method",           "rewrite",          "verbose_logs",
    };
    return names;
}

// A status code (500) or a class written Caddy's way (5xx), as 5.
int status_or_class(const Token& t, const std::string& what) {
    const std::string& v = t.text;
    if (v.size() == 3 && v[0] >= '1' && v[0] <= '5' && (v.substr(1) == "xx" || v.substr(1) == "XX")) return v[0] - '0';
    return parse_status(t, what);
}

std::vector<Token> line_of(const Segment& sub) {
    return std::vector<Token>(sub.tokens.begin() + 1, sub.tokens.end());
}

void parse_transport(const Segment& sub, ProxyTransportSpec& t) {
    SegmentReader s(sub);
    s.expect_args(1, 1);
    if (s.text(0) != "http")
        fail(s[0], "reverse_proxy transport: Pogo has the http transport only, got " + quoted(s.text(0)));
    for (const Segment& opt : sub.block) {
        SegmentReader o(opt);
        const std::string& n = o.name().text;
        o.no_block();
        if (n == "dial_timeout") {
            o.expect_args(1, 1);
            t.dial_timeout = parse_duration(o[0], "transport http dial_timeout");
        } else if (n == "response_header_timeout") {
            o.expect_args(1, 1);
            t.response_header_timeout = parse_duration(o[0], "transport http response_header_timeout");
        } else if (n == "read_buffer") {
            o.expect_args(1, 1);
            t.read_buffer = parse_size(o[0], "transport http read_buffer");
            if (*t.read_buffer == 0) fail(o[0], "transport http read_buffer: must be more than 0");
        } else if (n == "keepalive") {
            o.expect_args(1, 1);
            if (o.text(0) == "off") {
                t.keepalive = false;
            } else {
                t.keepalive = true;
                t.keepalive_idle = parse_duration(o[0], "transport http keepalive");
            }
        } else if (n == "keepalive_idle_conns" || n == "keepalive_idle_conns_per_host") {
            // Pogo pools per upstream, so both bound the same thing.
            o.expect_args(1, 1);
            t.keepalive_idle_conns = parse_int(o[0], "transport http " + n, 0);
        } else if (n == "tls") {
            o.expect_args(0, 0);
            t.tls = true;
        } else if (n == "tls_insecure_skip_verify") {
            o.expect_args(0, 0);
            t.tls = t.tls_insecure_skip_verify = true;
        } else if (n == "tls_server_name") {
            o.expect_args(1, 1);
            t.tls = true;
            t.tls_server_name = o.text(0);
        } else if (n == "tls_trusted_ca_certs" || n == "tls_trust_pool") {
            // Caddy's older form lists PEM files; tls_trust_pool takes a source, and Pogo has `file`.
            size_t from = 0;
            if (n == "tls_trust_pool") {
                o.expect_args(2, 1024);
                if (o.text(0) != "file")
                    fail(o[0], "reverse_proxy transport http tls_trust_pool: Pogo has the file source only, got " +
                                   quoted(o.text(0)));
                from = 1;
            } else {
                o.expect_args(1, 1024);
            }
            t.tls = true;
            for (size_t i = from; i < o.size(); ++i) t.tls_trusted_ca_certs.push_back(o.text(i));
        } else if (n.starts_with("tls_")) {
            fail(o.name(), "reverse_proxy transport http: " + n + " is not supported by Pogo yet");
        } else if (n == "write_buffer" || n == "max_response_header" || n == "proxy_protocol" ||
                   n == "dial_fallback_delay" || n == "expect_continue_timeout" || n == "resolvers" ||
                   n == "keepalive_interval" || n == "versions" || n == "compression" || n == "max_conns_per_host" ||
                   n == "forward_proxy_url" || n == "local_address" || n == "network_proxy") {
            fail(o.name(), "reverse_proxy transport http: " + n + " is not supported by Pogo yet");
        } else {
            unknown_subdirective(opt, "transport http");
        }
    }
}

}  // namespace

std::string upstream_address(const Token& t, std::string* scheme_out) {
    std::string a = t.text;
    if (scheme_out) scheme_out->clear();
    if (a.find('{') != std::string::npos) {
        // A dynamic address, resolved per request ({http.request.header.X}, {vars.upstream}...):
        // kept as written; what it expands to is checked then (a bad one is a 502). Its scheme is
        // the transport's (`transport http { tls }` for HTTPS).
        if (size_t at = a.find("://"); at != std::string::npos && at < a.find('{') && a.substr(0, at) != "http")
            fail(t, "reverse_proxy: an upstream address with placeholders may only have the http scheme: " +
                        quoted(t.text));
        return a;
    }
    std::string scheme;
    if (size_t at = a.find("://"); at != std::string::npos) {
        scheme = a.substr(0, at);
        a = a.substr(at + 3);
    }
    if (scheme == "h2c")
        fail(t, "reverse_proxy: h2c upstreams are not supported by Pogo yet (HTTP/1.1 only): " + quoted(t.text));
    if (scheme == "ws") scheme = "http";
    if (scheme == "wss") scheme = "https";
    if (!scheme.empty() && scheme != "http" && scheme != "https")
        fail(t, "reverse_proxy: unsupported upstream scheme " + quoted(scheme));
    if (scheme_out) *scheme_out = scheme;
    if (a.starts_with("unix/") || a.starts_with("srv+"))
        fail(t, "reverse_proxy: unix socket and SRV upstreams are not supported by Pogo yet: " + quoted(t.text));
    if (a.find('/') != std::string::npos)
        fail(t, "reverse_proxy: an upstream address cannot have a path (use rewrite): " + quoted(t.text));
    std::string host = a, port = scheme == "https" ? "443" : "80";
    if (a.starts_with("[")) {
        size_t close = a.find(']');
        if (close == std::string::npos) fail(t, "reverse_proxy: invalid upstream address " + quoted(t.text));
        host = a.substr(1, close - 1);
        std::string rest = a.substr(close + 1);
        if (!rest.empty()) {
            if (rest[0] != ':') fail(t, "reverse_proxy: invalid upstream address " + quoted(t.text));
            port = rest.substr(1);
        }
    } else if (size_t colon = a.rfind(':'); colon != std::string::npos) {
        if (a.find(':') != colon) fail(t, "reverse_proxy: an IPv6 upstream needs brackets: " + quoted(t.text));
        host = a.substr(0, colon);
        port = a.substr(colon + 1);
    }
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(port) < 1 || std::stoi(port) > 65535)
        fail(t, "reverse_proxy: invalid port in upstream address " + quoted(t.text));
    if (host.empty()) host = "127.0.0.1";  // ":8080", as Go dials it: this machine
    if (host.find_first_of(" /?#@") != std::string::npos)
        fail(t, "reverse_proxy: invalid upstream address " + quoted(t.text));
    bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + port;
}

HandlerSpec reverse_proxy(DirectiveInput& in) {
    ReverseProxySpec spec;
    // As Caddy: one transport for every upstream, so http:// and https:// do not mix, and an
    // https:// address turns TLS on.
    const Token* first_http = nullptr;
    const Token* first_https = nullptr;
    auto add_upstream = [&](const Token& t) {
        std::string scheme;
        spec.upstreams.push_back(upstream_address(t, &scheme));
        if (scheme == "http" && !first_http) first_http = &t;
        if (scheme == "https" && !first_https) first_https = &t;
    };
    for (size_t i = 0; i < in.args.size(); ++i) add_upstream(in.args[i]);
    for (const Segment& sub : in.seg.block) {
        SegmentReader s(sub);
        const std::string& n = s.name().text;
        if (is_response_handling(n)) continue;  // parse_response_handling() below
        if (n == "transport") {
            parse_transport(sub, spec.transport);
            continue;
        }
        s.no_block();
        if (n == "to") {
            s.expect_args(1, 1024);
            for (size_t i = 0; i < s.size(); ++i) add_upstream(s[i]);
        } else if (n == "header_up" || n == "header_down") {
            if (s.empty()) fail(s.name(), "missing argument for \"" + n + "\"");
            bool up = n == "header_up";
            if (!up && s.text(0).starts_with("?"))
                fail(s[0], "header_down: the default header modifier ('?') is not supported by Pogo here");
            add_header_op(line_of(sub), up ? spec.header_up : spec.header_down, true);
        } else if (n == "trusted_proxies") {
            s.expect_args(1, 1024);
            for (size_t i = 0; i < s.size(); ++i) {
                if (s.text(i) != "private_ranges" && !valid_range(s.text(i)))
                    fail(s[i], "reverse_proxy trusted_proxies: invalid IP address or CIDR range " + quoted(s.text(i)));
                spec.trusted_proxies.push_back(s.text(i));
            }
        } else if (n == "lb_policy") {
            s.expect_args(1, 2);
            const std::string& p = s.text(0);
            static const std::set<std::string> known = {"random", "round_robin", "least_conn", "first",
                                                        "ip_hash", "client_ip_hash", "uri_hash", "header"};
            if (p == "random_choose" || p == "query" || p == "cookie" || p == "weighted_round_robin")
                fail(s[0], "reverse_proxy lb_policy: " + p + " is not supported by Pogo yet");
            if (!known.count(p)) fail(s[0], "reverse_proxy lb_policy: unknown policy " + quoted(p));
            if (p == "header") {
                if (s.size() != 2) fail(s[0], "reverse_proxy lb_policy header: expected the header field");
                spec.lb_header = s.text(1);
            } else if (s.size() > 1) {
                fail(s[1], "reverse_proxy lb_policy " + p + ": takes no options");
            }
            spec.lb_policy = p;
        } else if (n == "lb_retries") {
            s.expect_args(1, 1);
            spec.lb_retries = parse_int(s[0], "reverse_proxy lb_retries", 0);
        } else if (n == "lb_try_duration" || n == "lb_try_interval" || n == "fail_duration" ||
                   n == "health_interval" || n == "health_timeout") {
            s.expect_args(1, 1);
            Duration d = parse_duration(s[0], "reverse_proxy " + n);
            if (d.count() < 0) fail(s[0], "reverse_proxy " + n + ": must not be negative");
            if ((n == "health_interval" || n == "health_timeout") && d.count() == 0)
                fail(s[0], "reverse_proxy " + n + ": must be more than 0");
            (n == "lb_try_duration"   ? spec.lb_try_duration
             : n == "lb_try_interval" ? spec.lb_try_interval
             : n == "fail_duration"   ? spec.fail_duration
             : n == "health_interval" ? spec.health_interval
                                      : spec.health_timeout) = d;
        } else if (n == "flush_interval") {
            s.expect_args(1, 1);
            if (s.text(0) == "-1") {
                spec.flush_interval = "-1";
            } else {
                Duration d = parse_duration(s[0], "reverse_proxy flush_interval");
                if (d.count() < 0) fail(s[0], "reverse_proxy flush_interval: expected -1 or a duration");
                spec.flush_interval = format_duration(d);
            }
        } else if (n == "max_fails") {
            s.expect_args(1, 1);
            spec.max_fails = parse_int(s[0], "reverse_proxy max_fails", 1);
        } else if (n == "unhealthy_status") {
            s.expect_args(1, 64);
            for (size_t i = 0; i < s.size(); ++i)
                spec.unhealthy_status.push_back(status_or_class(s[i], "reverse_proxy unhealthy_status"));
        } else if (n == "health_uri" || n == "health_path") {
            s.expect_args(1, 1);
            if (!s.text(0).starts_with("/")) fail(s[0], "reverse_proxy " + n + ": expected a path starting with /");
            spec.health_uri = s.text(0);
        } else if (n == "health_status") {
            s.expect_args(1, 1);
            spec.health_status = status_or_class(s[0], "reverse_proxy health_status");
        } else if (not_yet().count(n)) {
            fail(s.name(), "reverse_proxy: " + n + " is not supported by Pogo yet");
        } else {
            unknown_subdirective(sub, "reverse_proxy");
        }
    }
    if (spec.upstreams.empty()) fail(in.seg.name(), "reverse_proxy: no upstreams given");
    if (first_https) {
        if (first_http)
            fail(*first_http, "reverse_proxy: " + quoted(first_http->text) +
                                  " is http:// while another upstream is https://; they share one transport");
        spec.transport.tls = true;
    } else if (first_http && spec.transport.tls) {
        fail(*first_http, "reverse_proxy: " + quoted(first_http->text) + " is http:// but the transport has tls");
    }
    spec.responses = parse_response_handling(in, "reverse_proxy");
    return spec;
}

}  // namespace caddyfile::directives
