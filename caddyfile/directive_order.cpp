#include "caddyfile/directive_order.h"

#include <algorithm>

#include "caddyfile/error.h"
#include "caddyfile/segment_reader.h"

namespace caddyfile {

const std::vector<std::string>& default_directive_order() {
    static const std::vector<std::string> order = {
        "tracing", "map", "vars", "fs", "root", "log_append", "skip_log", "log_skip", "log_name",
        "header", "copy_response_headers", "request_body", "redir", "method", "rewrite", "uri", "try_files",
        "basic_auth", "forward_auth", "request_header", "encode", "mercure", "vulcain", "push", "intercept", "templates", "invoke",
        "handle", "handle_path", "route", "abort", "error", "copy_response", "respond", "metrics", "reverse_proxy",
        "php_fastcgi", "php", "php_server", "file_server", "acme_server",
    };
    return order;
}

bool is_known_directive(const std::string& name) {
    const auto& order = default_directive_order();
    return std::find(order.begin(), order.end(), name) != order.end();
}

void apply_order_option(const Segment& seg, std::vector<std::string>& order) {
    SegmentReader r(seg);
    r.no_block();
    r.expect_args(2, 3);
    std::string dir = r.text(0) == "basicauth" ? "basic_auth" : r.text(0);
    if (!is_known_directive(dir)) fail(r[0], "order: unrecognized directive " + quoted(r.text(0)));
    const std::string& pos = r.text(1);
    auto erase = [&] { order.erase(std::find(order.begin(), order.end(), dir)); };
    if (pos == "first" || pos == "last") {
        if (r.size() != 2) fail(r[2], "too many arguments for \"order\"");
        erase();
        order.insert(pos == "first" ? order.begin() : order.end(), dir);
        return;
    }
    if (pos != "before" && pos != "after")
        fail(r[1], "order: expected first, last, before or after, got " + quoted(pos));
    if (r.size() != 3) fail(r.name(), "missing argument for \"order\"");
    std::string other = r.text(2) == "basicauth" ? "basic_auth" : r.text(2);
    if (!is_known_directive(other)) fail(r[2], "order: unrecognized directive " + quoted(r.text(2)));
    if (other == dir) fail(r[2], "order: a directive cannot be ordered relative to itself");
    erase();
    auto it = std::find(order.begin(), order.end(), other);
    order.insert(pos == "before" ? it : it + 1, dir);
}

namespace {

// The single path a handler's matcher reduces to, or "" when it is not exactly one path.
std::string single_path(const Handler& h, const std::vector<NamedMatcher>& matchers) {
    if (h.match.kind == MatchSpec::Kind::path) return h.match.value;
    if (h.match.kind != MatchSpec::Kind::named) return {};
    for (const NamedMatcher& m : matchers) {
        if (m.name != h.match.value) continue;
        const MatcherSet& s = m.set;
        bool only_path = s.path_regexps.empty() && s.methods.empty() && s.hosts.empty() && s.remote_ips.empty() && s.client_ips.empty() &&
                         s.protocols.empty() && s.headers.empty() && s.header_regexps.empty() && s.query.empty() &&
                         s.vars.empty() && s.vars_regexps.empty() && !s.file && s.nots.empty() && s.expression.empty();
        return only_path && s.paths.size() == 1 ? s.paths[0] : std::string();
    }
    return {};
}

}  // namespace

void sort_handlers(std::vector<Handler>& handlers, const std::vector<std::string>& order,
                   const std::vector<NamedMatcher>& matchers) {
    auto rank = [&](const std::string& name) {
        // handle_path is a handle: sorted with them, so `handle_path /api/*` goes before a bare `handle`.
        const std::string& n = name == "handle_path" ? std::string("handle") : name;
        return static_cast<size_t>(std::find(order.begin(), order.end(), n) - order.begin());
    };
    std::stable_sort(handlers.begin(), handlers.end(), [&](const Handler& a, const Handler& b) {
        size_t ra = rank(a.directive), rb = rank(b.directive);
        if (ra != rb) return ra < rb;
        std::string pa = single_path(a, matchers), pb = single_path(b, matchers);
        if (pa.empty() && pb.empty())
            return a.match.kind != MatchSpec::Kind::all && b.match.kind == MatchSpec::Kind::all;
        if (pa.size() != pb.size()) return pa.size() > pb.size();
        bool wa = !pa.empty() && pa.back() == '*', wb = !pb.empty() && pb.back() == '*';
        return !wa && wb;  // same length: the exact path before the wildcard
    });
}

}  // namespace caddyfile
