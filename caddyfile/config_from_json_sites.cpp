// The sites of a configuration document: addresses, matchers, handlers (each directive's own
// fields, as config_json.cpp writes them), access logs, TLS.
#include <set>
#include <algorithm>
#include <cctype>
#include <map>

#include "caddyfile/config_from_json_parts.h"
#include "caddyfile/directives/directives.h"
#include "caddyfile/error.h"
#include "caddyfile/expression.h"
#include "caddyfile/global_options.h"

namespace caddyfile::json_read {

namespace {

using Scope = std::vector<const std::vector<NamedMatcher>*>;  // matchers visible, innermost last

// [[field, [values]], ...] (headers, vars, a response matcher's headers)
std::vector<std::pair<std::string, std::vector<std::string>>> string_lists(Object& o, const std::string& key) {
    std::vector<std::pair<std::string, std::vector<std::string>>> out;
    const json* h = o.get(key);
    if (!h) return out;
    const std::string hp = o.at(key);
    for (size_t i = 0; i < as_array(*h, hp).size(); ++i) {
        const json& e = (*h)[i];
        if (!e.is_array() || e.size() != 2) fail(child(hp, i), "expected a [field, [values]] pair, got " + show(e));
        out.emplace_back(as_string(e[0], child(child(hp, i), 0)), as_strings(e[1], child(child(hp, i), 1)));
    }
    return out;
}

// [[name, field, pattern], ...] (header_regexps, vars_regexps)
std::vector<std::pair<std::string, std::pair<std::string, std::string>>> regexp_triples(Object& o, const std::string& key) {
    std::vector<std::pair<std::string, std::pair<std::string, std::string>>> out;
    const json* h = o.get(key);
    if (!h) return out;
    const std::string hp = o.at(key);
    for (size_t i = 0; i < as_array(*h, hp).size(); ++i) {
        const json& e = (*h)[i];
        if (!e.is_array() || e.size() != 3) fail(child(hp, i), "expected [name, field, pattern], got " + show(e));
        out.push_back({as_string(e[0], child(child(hp, i), 0)),
                       {as_string(e[1], child(child(hp, i), 1)), as_string(e[2], child(child(hp, i), 2))}});
    }
    return out;
}

MatcherSet read_matcher(const json& v, const std::string& path) {
    Object o(v, path);
    MatcherSet m;
    m.paths = o.strings("paths");
    m.path_regexps = o.pairs("path_regexps");
    m.methods = o.strings("methods");
    m.hosts = o.strings("hosts");
    m.remote_ips = o.strings("remote_ips");
    m.client_ips = o.strings("client_ips");
    m.protocols = o.strings("protocols");
    m.headers = string_lists(o, "headers");
    m.header_regexps = regexp_triples(o, "header_regexps");
    m.query = o.pairs("query");
    m.vars = string_lists(o, "vars");
    m.vars_regexps = regexp_triples(o, "vars_regexps");
    if (const json* f = o.get("file")) {
        Object fo(*f, o.at("file"));
        FileCondition c;
        c.root = fo.str("root");
        c.try_files = fo.strings_or("try_files", c.try_files);
        c.try_policy = fo.one_of("try_policy", c.try_policy, kTryPolicies);
        c.split_path = fo.strings("split_path");
        fo.finish();
        m.file = c;
    }
    if (const json* n = o.get("not"))
        for (size_t i = 0; i < as_array(*n, o.at("not")).size(); ++i) m.nots.push_back(read_matcher((*n)[i], child(o.at("not"), i)));
    m.expression = o.str("expression");
    if (!m.expression.empty()) {
        try {
            cel::parse(m.expression);
        } catch (const cel::ExpressionError& e) {
            fail(o.at("expression"), e.what());
        }
    }
    o.finish();
    return m;
}

std::vector<NamedMatcher> read_matchers(const json* v, const std::string& path) {
    std::vector<NamedMatcher> out;
    if (!v) return out;
    if (!v->is_object()) fail(path, "expected an object of matcher sets, got " + show(*v));
    for (const auto& [name, set] : v->items()) out.push_back({name, read_matcher(set, child(path, name))});
    return out;
}

MatchSpec read_match(Object& o, const Scope& scope) {
    std::string m = o.str("match", "*");
    if (m == "*" || m.empty()) return {};
    if (m[0] != '@') return {MatchSpec::Kind::path, m};
    std::string name = m.substr(1);
    for (const auto* matchers : scope)
        for (const NamedMatcher& n : *matchers)
            if (n.name == name) return {MatchSpec::Kind::named, name};
    fail(o.at("match"), "matcher " + caddyfile::quoted(m) + " is not defined");
}

std::vector<Handler> read_handlers(const json* v, const std::string& path, Scope scope, const Context& ctx);

HeaderOp::Op header_op(const std::string& s) {
    if (s == "add") return HeaderOp::Op::add;
    if (s == "remove") return HeaderOp::Op::remove;
    if (s == "default") return HeaderOp::Op::set_default;
    if (s == "replace") return HeaderOp::Op::replace;
    return HeaderOp::Op::set;
}

std::vector<HeaderOp> read_header_ops(Object& o, const std::string& key) {
    std::vector<HeaderOp> out;
    if (const json* ops = o.get(key))
        for (size_t i = 0; i < as_array(*ops, o.at(key)).size(); ++i) {
            Object op((*ops)[i], child(o.at(key), i));
            HeaderOp h;
            h.op = header_op(op.one_of("op", "set", {"set", "add", "remove", "default", "replace"}));
            h.field = op.str("field");
            h.value = op.str("value");
            h.replacement = op.str("replacement");
            op.finish();
            out.push_back(std::move(h));
        }
    return out;
}

ResponseMatcherSpec read_response_matcher(const json& v, const std::string& path) {
    Object mo(v, path);
    ResponseMatcherSpec rm;
    if (const json* codes = mo.get("status_codes")) {
        const std::string cp = mo.at("status_codes");
        for (size_t i = 0; i < as_array(*codes, cp).size(); ++i) {
            int c = int(as_int((*codes)[i], child(cp, i), 1, 599));
            if (c > 5 && c < 100) fail(child(cp, i), "expected a status class 1-5 or a code 100-599");
            rm.status_codes.push_back(c);
        }
    }
    rm.headers = string_lists(mo, "headers");
    mo.finish();
    return rm;
}

// intercept's and reverse_proxy's "handle_response" (config_json.cpp's response_handling_json).
ResponseHandling read_response_handling(const json& v, const std::string& path, const Scope& scope, const Context& ctx) {
    Object o(v, path);
    ResponseHandling h;
    if (const json* ms = o.get("response_matchers")) {
        if (!ms->is_object()) fail(o.at("response_matchers"), "expected an object of response matchers, got " + show(*ms));
        for (const auto& [name, m] : ms->items())
            h.matchers.emplace_back(name, read_response_matcher(m, child(o.at("response_matchers"), name)));
    }
    if (const json* routes = o.get("routes"))
        for (size_t i = 0; i < as_array(*routes, o.at("routes")).size(); ++i) {
            Object ro((*routes)[i], child(o.at("routes"), i));
            ResponseRoute r;
            std::string m = ro.str("match", "*");
            if (m != "*") {
                std::string name = m.starts_with("@") ? m.substr(1) : std::string();
                bool known = std::any_of(h.matchers.begin(), h.matchers.end(), [&](const auto& rm) { return rm.first == name; });
                if (!known) fail(ro.at("match"), "expected \"*\" or a response matcher of this block (\"@name\"), got " + show(json(m)));
                r.matcher = name;
            }
            r.replace_status = ro.integer("replace_status", 0, 0, 999);
            if (r.replace_status > 0 && r.replace_status < 100) fail(ro.at("replace_status"), "expected a status code 100-999");
            r.matchers = read_matchers(ro.get("matchers"), ro.at("matchers"));
            Scope inner = scope;
            inner.push_back(&r.matchers);
            r.handlers = read_handlers(ro.get("handlers"), ro.at("handlers"), inner, ctx);
            if (r.replace_status && (!r.handlers.empty() || !r.matchers.empty()))
                fail(ro.at("handlers"), "replace_status takes no routes");
            r.where = ro.where();
            ro.finish();
            h.routes.push_back(std::move(r));
        }
    o.finish();
    return h;
}

ReverseProxySpec read_reverse_proxy(Object& o, const Scope& scope, const Context& ctx) {
    ReverseProxySpec s;
    s.upstreams = o.strings("upstreams");
    if (s.upstreams.empty()) fail(o.at("upstreams"), "reverse_proxy: no upstreams given");
    bool https = false;
    for (size_t i = 0; i < s.upstreams.size(); ++i) {
        try {
            std::string scheme;
            s.upstreams[i] = directives::upstream_address(Token{s.upstreams[i]}, &scheme);
            https = https || scheme == "https";
        } catch (const Error& e) {
            fail(child(o.at("upstreams"), i), e.message());
        }
    }
    s.header_up.ops = read_header_ops(o, "header_up");
    s.header_down.ops = read_header_ops(o, "header_down");
    s.trusted_proxies = o.strings("trusted_proxies");
    s.lb_policy = o.one_of("lb_policy", "random",
                           {"random", "round_robin", "least_conn", "first", "ip_hash", "client_ip_hash", "uri_hash", "header"});
    s.lb_header = o.str("lb_header");
    if (s.lb_policy == "header" && s.lb_header.empty()) fail(o.at("lb_header"), "lb_policy header needs a header field");
    s.lb_retries = o.integer("lb_retries", 0, 0);
    s.lb_try_duration = o.duration("lb_try_duration");
    s.lb_try_interval = o.duration("lb_try_interval");
    s.fail_duration = o.duration("fail_duration");
    s.max_fails = o.integer("max_fails", 1, 1);
    if (const json* u = o.get("unhealthy_status"))
        for (size_t i = 0; i < as_array(*u, o.at("unhealthy_status")).size(); ++i) {
            int c = int(as_int((*u)[i], child(o.at("unhealthy_status"), i), 1, 999));
            if (c > 5 && c < 100) fail(child(o.at("unhealthy_status"), i), "expected a status class 1-5 or a code 100-999");
            s.unhealthy_status.push_back(c);
        }
    s.health_uri = o.str("health_uri");
    s.health_interval = o.duration("health_interval");
    s.health_timeout = o.duration("health_timeout");
    s.health_status = o.integer("health_status", 2, 1, 999);
    if (s.health_status > 5 && s.health_status < 100) fail(o.at("health_status"), "expected a status class 1-5 or a code 100-999");
    s.flush_interval = o.str("flush_interval");
    if (!s.flush_interval.empty() && s.flush_interval != "-1") {
        try {
            s.flush_interval = format_duration(parse_duration(s.flush_interval));
        } catch (const std::invalid_argument& e) {
            fail(o.at("flush_interval"), e.what());
        }
    }
    if (const json* t = o.get("transport")) {
        Object to(*t, o.at("transport"));
        s.transport.dial_timeout = to.duration("dial_timeout");
        s.transport.response_header_timeout = to.duration("response_header_timeout");
        s.transport.read_buffer = to.size("read_buffer");
        if (s.transport.read_buffer && *s.transport.read_buffer == 0) fail(to.at("read_buffer"), "must be more than 0");
        s.transport.keepalive = to.boolean("keepalive", true);
        s.transport.keepalive_idle = to.duration("keepalive_idle");
        if (to.get("keepalive_idle_conns"))
            s.transport.keepalive_idle_conns = to.integer("keepalive_idle_conns", 32, 0);
        s.transport.tls = to.boolean("tls", false);
        s.transport.tls_insecure_skip_verify = to.boolean("tls_insecure_skip_verify", false);
        s.transport.tls_server_name = to.str("tls_server_name");
        s.transport.tls_trusted_ca_certs = to.strings("tls_trusted_ca_certs");
        to.finish();
    }
    if (https) s.transport.tls = true;
    if (const json* h = o.get("handle_response")) s.responses = read_response_handling(*h, o.at("handle_response"), scope, ctx);
    return s;
}

// The directive's own fields, by directive name.
HandlerSpec read_spec(const std::string& d, Object& o, const Scope& scope, const Context& ctx) {
    if (d == "root") return RootSpec{o.str("path")};
    if (d == "reverse_proxy") return read_reverse_proxy(o, scope, ctx);
    if (d == "intercept") {
        InterceptSpec s;
        if (const json* h = o.get("handle_response")) s.responses = read_response_handling(*h, o.at("handle_response"), scope, ctx);
        if (s.responses.empty()) fail(o.at("handle_response"), "intercept: expected handle_response or replace_status routes");
        return s;
    }
    if (d == "copy_response") {
        CopyResponseSpec s;
        s.status = o.integer("status", 0, 0, 999);
        if (s.status > 0 && s.status < 100) fail(o.at("status"), "expected a status code 100-999");
        return s;
    }
    if (d == "copy_response_headers") {
        CopyResponseHeadersSpec s;
        s.include = o.strings("include");
        s.exclude = o.strings("exclude");
        if (!s.include.empty() && !s.exclude.empty()) fail(o.at("include"), "include and exclude cannot be given together");
        return s;
    }
    if (d == "vars") return VarsSpec{o.pairs("vars")};
    if (d == "header" || d == "request_header") {
        HeaderSpec s;
        s.ops = read_header_ops(o, "ops");
        s.defer = o.boolean("defer", false);
        return s;
    }
    if (d == "request_body") return RequestBodySpec{o.size("max_size"), o.boolean("buffer", true)};
    if (d == "redir") {
        RedirSpec s;
        s.to = o.str("to");
        s.status = o.integer("status", 302, 300, 399);
        s.html = o.boolean("html", false);
        return s;
    }
    if (d == "rewrite") return RewriteSpec{o.str("to")};
    if (d == "method") {
        MethodSpec s{o.str("method")};
        if (s.method.empty() || s.method.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ-_") != std::string::npos)
            fail(o.at("method"), "expected an upper-case method, got " + show(json(s.method)));
        return s;
    }
    if (d == "uri")
        return UriSpec{o.one_of("op", "", {"strip_prefix", "strip_suffix", "replace", "path_regexp", "query"}), o.strings("args")};
    if (d == "try_files") {
        TryFilesSpec s;
        s.files = o.strings("files");
        s.policy = o.one_of("policy", s.policy, kTryPolicies);
        return s;
    }
    if (d == "basic_auth") {
        BasicAuthSpec s;
        s.hash = o.str("hash_algorithm", s.hash);
        s.realm = o.str("realm", s.realm);
        if (const json* a = o.get("accounts"))
            for (size_t i = 0; i < as_array(*a, o.at("accounts")).size(); ++i) {
                Object ao((*a)[i], child(o.at("accounts"), i));
                s.accounts.emplace_back(ao.str("username"), ao.str("hash"));
                ao.finish();
            }
        return s;
    }
    if (d == "encode") {
        EncodeSpec s;
        s.formats = o.strings("formats");
        for (size_t i = 0; i < s.formats.size(); ++i) {
            const std::string& f = s.formats[i];
            if (f != "gzip" && f != "zstd" && f != "br")
                fail(child(o.at("formats"), i), "unknown format " + show(json(f)) + " (expected gzip, zstd or br)");
            if (std::find(s.formats.begin(), s.formats.begin() + long(i), f) != s.formats.begin() + long(i))
                fail(child(o.at("formats"), i), "format " + f + " is given twice");
        }
        // Caddy's `prefer`: these first, in this order, then the other formats as listed.
        std::vector<std::string> prefer = o.strings("prefer");
        for (size_t i = 0; i < prefer.size(); ++i) {
            if (std::find(s.formats.begin(), s.formats.end(), prefer[i]) == s.formats.end())
                fail(child(o.at("prefer"), i), "encoding " + prefer[i] + " not enabled");
            if (std::find(prefer.begin(), prefer.begin() + long(i), prefer[i]) != prefer.begin() + long(i))
                fail(child(o.at("prefer"), i), "encoding " + prefer[i] + " is duplicated in prefer");
        }
        for (const std::string& f : s.formats)
            if (std::find(prefer.begin(), prefer.end(), f) == prefer.end()) prefer.push_back(f);
        s.formats = std::move(prefer);
        s.gzip_level = o.integer("gzip_level", 0, 0, 9);
        s.zstd_level = o.one_of("zstd_level", "", {"", "fastest", "default", "better", "best"});
        s.zstd_checksum = o.boolean("zstd_checksum", true);
        s.br_quality = o.integer("br_quality", -1, -1, 11);
        s.br_window = o.integer("br_window", 0, 0, 24);
        if (s.br_window != 0 && s.br_window < 10) fail(o.at("br_window"), "expected 0 or 10 to 24");
        s.minimum_length = o.size("minimum_length").value_or(s.minimum_length);
        if (const json* m = o.get("response_match")) s.match = read_response_matcher(*m, o.at("response_match"));
        return s;
    }
    if (d == "vulcain") {
        VulcainSpec s;
        s.max_pushes = o.integer("max_pushes", -1, -1, 1 << 30);
        s.early_hints = o.boolean("early_hints", true);
        return s;
    }
    if (d == "mercure") {
        MercureSpec s;
        auto jwt = [&](const std::string& key, std::string* k, std::string* alg) {
            const json* j = o.get(key);
            if (!j) return;
            Object jo(*j, o.at(key));
            *k = jo.str("key");
            *alg = jo.str("alg");
            static const std::set<std::string> algs = {"", "HS256", "HS384", "HS512", "RS256", "RS512", "ES256"};
            if (alg->find('{') == std::string::npos && !algs.count(*alg))
                fail(jo.at("alg"), "expected HS256, HS384, HS512, RS256, RS512 or ES256, got " + show(json(*alg)));
            jo.finish();
        };
        jwt("publisher_jwt", &s.publisher_key, &s.publisher_alg);
        jwt("subscriber_jwt", &s.subscriber_key, &s.subscriber_alg);
        s.anonymous = o.boolean("anonymous", false);
        s.subscriptions = o.boolean("subscriptions", false);
        s.publish_origins = o.strings("publish_origins");
        s.cors_origins = o.strings("cors_origins");
        s.heartbeat = o.duration("heartbeat").value_or(s.heartbeat);
        s.write_timeout = o.duration("write_timeout").value_or(s.write_timeout);
        s.dispatch_timeout = o.duration("dispatch_timeout").value_or(s.dispatch_timeout);
        if (const json* t = o.get("transport")) {
            Object to(*t, o.at("transport"));
            s.transport = to.one_of("name", "local", {"local", "bolt"});
            s.transport_path = to.str("path");
            s.history_size = to.size("size").value_or(0);
            to.finish();
        }
        s.cache_size_approx = o.size("cache_size_approx").value_or(0);
        s.demo = o.boolean("demo", false);
        return s;
    }
    if (d == "handle" || d == "handle_path" || d == "route") {
        SubrouteSpec s;
        s.matchers = read_matchers(o.get("matchers"), o.at("matchers"));
        Scope inner = scope;
        inner.push_back(&s.matchers);
        s.handlers = read_handlers(o.get("handlers"), o.at("handlers"), inner, ctx);
        s.strip_prefix = o.str("strip_prefix");
        return s;
    }
    if (d == "respond") {
        RespondSpec s;
        s.status = o.integer("status", 0, 0, 999);
        s.body = o.str("body");
        s.close = o.boolean("close", false);
        return s;
    }
    if (d == "error") {
        ErrorSpec s;
        s.status = o.integer("status", 500, 400, 599);
        s.message = o.str("message");
        return s;
    }
    if (d == "php_server" || d == "php" || d == "php_fastcgi") {
        PhpSpec s;
        s.root = o.str("root");
        s.split_path = o.strings_or("split_path", s.split_path);
        const std::string worker_dir = worker_base_dir(ctx.working_dir, s.root);
        s.resolve_root_symlink = o.boolean("resolve_root_symlink", true);
        s.env = o.pairs("env");
        s.index = o.strings_or("index", s.index);
        s.try_files = o.strings("try_files");
        s.file_server = o.boolean("file_server", true);
        s.hide_defaults = o.boolean("hide_defaults", true);
        if (const json* w = o.get("workers"))
            for (size_t i = 0; i < as_array(*w, o.at("workers")).size(); ++i)
                s.workers.push_back(read_worker((*w)[i], child(o.at("workers"), i), ctx, worker_dir));
        s.upstream = o.str("ignored_upstream");
        return s;
    }
    if (d == "file_server") {
        FileServerSpec s;
        s.root = o.str("root");
        s.hide = o.strings("hide");
        s.hide_defaults = o.boolean("hide_defaults", true);
        s.index = o.strings_or("index", s.index);
        s.browse = o.boolean("browse", false);
        s.precompressed = o.strings("precompressed");
        s.pass_thru = o.boolean("pass_thru", false);
        s.canonical_uris = o.boolean("canonical_uris", true);
        s.status = o.integer("status", 0, 0, 999);
        return s;
    }
    fail(o.at("directive"), "directive " + caddyfile::quoted(d) + " is not supported by Pogo");
}

Handler read_handler(const json& v, const std::string& path, const Scope& scope, const Context& ctx) {
    Object o(v, path);
    Handler h;
    h.directive = o.str("directive");
    if (h.directive.empty()) fail(o.at("directive"), "missing the directive name");
    if (h.directive == "basicauth") h.directive = "basic_auth";
    h.group = o.str("group");
    h.match = read_match(o, scope);
    h.where = o.where();
    h.spec = read_spec(h.directive, o, scope, ctx);
    o.finish();
    return h;
}

std::vector<Handler> read_handlers(const json* v, const std::string& path, Scope scope, const Context& ctx) {
    std::vector<Handler> out;
    if (!v) return out;
    for (size_t i = 0; i < as_array(*v, path).size(); ++i) out.push_back(read_handler((*v)[i], child(path, i), scope, ctx));
    return out;
}

TlsConfig read_tls(const json& v, const std::string& path) {
    Object o(v, path);
    TlsConfig t;
    t.cert = o.str("cert");
    t.key = o.str("key");
    if (t.cert.empty() != t.key.empty()) fail(o.at(t.cert.empty() ? "cert" : "key"), "tls: cert and key go together");
    t.internal = o.boolean("internal", false);
    t.email = o.str("email");
    t.protocol_min = o.one_of("protocol_min", "", {"", "tls1.2", "tls1.3"});
    t.protocol_max = o.one_of("protocol_max", "", {"", "tls1.2", "tls1.3"});
    t.ciphers = o.strings("ciphers");
    t.curves = o.strings("curves");
    t.alpn = o.strings("alpn");
    t.load = o.strings("load");
    t.key_type = o.one_of("key_type", "", {"", "ed25519", "p256", "p384", "rsa2048", "rsa4096"});
    t.reuse_private_keys = o.boolean("reuse_private_keys", false);
    t.issuer = read_issuer(o.get("issuer"), o.at("issuer"));
    if (const json* c = o.get("client_auth")) {
        Object co(*c, o.at("client_auth"));
        ClientAuth a;
        a.mode = co.one_of("mode", "", {"", "request", "require", "verify_if_given", "require_and_verify"});
        a.trusted_ca_cert_files = co.strings("trusted_ca_cert_files");
        a.trusted_leaf_cert_files = co.strings("trusted_leaf_cert_files");
        a.where = co.where();
        co.finish();
        t.client_auth = a;
    }
    t.where = o.where();
    o.finish();
    return t;
}

Address read_address(const json& v, const std::string& path) {
    Object o(v, path);
    Address a;
    a.original = o.str("original");
    a.scheme = o.one_of("scheme", "", {"http", "https"});
    if (a.scheme.empty()) fail(o.at("scheme"), "expected one of http, https");
    a.host = o.str("host");
    a.port = o.integer("port", 0, 0, 65535);
    a.path = o.str("path");
    a.where = o.where();
    if (a.original.empty()) a.original = a.scheme + "://" + a.host + ":" + std::to_string(a.port) + a.path;
    o.finish();
    return a;
}

// One `errors.routes` entry: "status_codes" holds codes ("404") and classes ("5xx").
ErrorRoute read_error_route(const json& v, const std::string& path, const Scope& site_scope, const Context& ctx) {
    Object o(v, path);
    ErrorRoute e;
    const std::vector<std::string> statuses = o.strings("status_codes");
    for (size_t i = 0; i < statuses.size(); ++i) {
        const std::string& st = statuses[i];
        bool digits = st.size() == 3 && std::isdigit(static_cast<unsigned char>(st[0])) &&
                      std::isdigit(static_cast<unsigned char>(st[1])) && std::isdigit(static_cast<unsigned char>(st[2]));
        if (st.size() == 3 && (st[0] == '4' || st[0] == '5') && st.substr(1) == "xx")
            e.classes.push_back(st[0] - '0');
        else if (digits && st >= "400" && st <= "599")
            e.codes.push_back(std::stoi(st));
        else
            fail(child(o.at("status_codes"), i), "expected an error status code (400-599) or a class (4xx, 5xx), got " +
                                                     caddyfile::quoted(st));
    }
    e.matchers = read_matchers(o.get("matchers"), o.at("matchers"));
    Scope scope = site_scope;
    scope.push_back(&e.matchers);
    e.handlers = read_handlers(o.get("handlers"), o.at("handlers"), scope, ctx);
    e.where = o.where();
    o.finish();
    return e;
}

}  // namespace

Site read_site(const json& v, const std::string& path, const Context& ctx) {
    Object o(v, path);
    Site s;
    if (const json* a = o.get("addresses"))
        for (size_t i = 0; i < as_array(*a, o.at("addresses")).size(); ++i)
            s.addresses.push_back(read_address((*a)[i], child(o.at("addresses"), i)));
    if (s.addresses.empty()) fail(o.at("addresses"), "a site needs at least one address");
    s.bind = o.strings("bind");
    s.matchers = read_matchers(o.get("matchers"), o.at("matchers"));
    s.handlers = read_handlers(o.get("handlers"), o.at("handlers"), {&s.matchers}, ctx);
    if (const json* logs = o.get("logs"))
        for (size_t i = 0; i < as_array(*logs, o.at("logs")).size(); ++i)
            s.logs.push_back(read_log((*logs)[i], child(o.at("logs"), i)));
    if (const json* t = o.get("tls")) s.tls = read_tls(*t, o.at("tls"));
    if (const json* errors = o.get("errors")) {
        Object eo(*errors, o.at("errors"));
        if (const json* routes = eo.get("routes"))
            for (size_t i = 0; i < as_array(*routes, eo.at("routes")).size(); ++i)
                s.errors.push_back(read_error_route((*routes)[i], child(eo.at("routes"), i), {&s.matchers}, ctx));
        eo.finish();
    }
    s.where = o.where();
    o.finish();
    return s;
}

}  // namespace caddyfile::json_read
