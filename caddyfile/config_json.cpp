#include "caddyfile/config_json.h"

#include "caddyfile/apps_json.h"
#include "caddyfile/log_json.h"

namespace caddyfile {

namespace {

using nlohmann::json;

template <class... F>
struct overloaded : F... {
    using F::operator()...;
};
template <class... F>
overloaded(F...) -> overloaded<F...>;

json duration(const std::optional<Duration>& d) { return d ? json(format_duration(*d)) : json(nullptr); }
std::string where(const Location& l) { return l.file + ":" + std::to_string(l.line); }

json kv(const KeyValues& pairs) {
    json out = json::array();
    for (const auto& [k, v] : pairs) out.push_back({k, v});
    return out;
}

json log_json(const LogConfig& l) { return log_to_json(l); }

json matcher_json(const MatcherSet& s) {
    json out = json::object();
    if (!s.paths.empty()) out["paths"] = s.paths;
    if (!s.path_regexps.empty()) out["path_regexps"] = s.path_regexps;
    if (!s.methods.empty()) out["methods"] = s.methods;
    if (!s.hosts.empty()) out["hosts"] = s.hosts;
    if (!s.remote_ips.empty()) out["remote_ips"] = s.remote_ips;
    if (!s.client_ips.empty()) out["client_ips"] = s.client_ips;
    if (!s.protocols.empty()) out["protocols"] = s.protocols;
    if (!s.headers.empty()) out["headers"] = s.headers;
    for (const auto& [name, fp] : s.header_regexps) out["header_regexps"].push_back({name, fp.first, fp.second});
    if (!s.query.empty()) out["query"] = s.query;
    if (!s.vars.empty()) out["vars"] = s.vars;
    for (const auto& [name, vp] : s.vars_regexps) out["vars_regexps"].push_back({name, vp.first, vp.second});
    if (s.file)
        out["file"] = {{"root", s.file->root}, {"try_files", s.file->try_files}, {"try_policy", s.file->try_policy},
                       {"split_path", s.file->split_path}};
    for (const MatcherSet& n : s.nots) out["not"].push_back(matcher_json(n));
    if (!s.expression.empty()) out["expression"] = s.expression;
    return out;
}

json matchers_json(const std::vector<NamedMatcher>& ms) {
    json out = json::object();
    for (const NamedMatcher& m : ms) out[m.name] = matcher_json(m.set);
    return out;
}

json handler_json(const Handler& h);

json handlers_json(const std::vector<Handler>& hs) {
    json out = json::array();
    for (const Handler& h : hs) out.push_back(handler_json(h));
    return out;
}

const char* op_name(HeaderOp::Op op) {
    switch (op) {
        case HeaderOp::Op::set: return "set";
        case HeaderOp::Op::add: return "add";
        case HeaderOp::Op::remove: return "remove";
        case HeaderOp::Op::set_default: return "default";
        case HeaderOp::Op::replace: return "replace";
    }
    return "?";
}

json header_ops_json(const HeaderSpec& s) {
    json ops = json::array();
    for (const HeaderOp& o : s.ops)
        ops.push_back({{"op", op_name(o.op)}, {"field", o.field}, {"value", o.value}, {"replacement", o.replacement}});
    return ops;
}

json response_matcher_json(const ResponseMatcherSpec& m) {
    json headers = json::array();
    for (const auto& [field, values] : m.headers) headers.push_back({field, values});
    return {{"status_codes", m.status_codes}, {"headers", headers}};
}

// intercept's and reverse_proxy's handle_response: the named response matchers and the entries
// in the order they are tried ("match": "@name", or "*" for every response).
json response_handling_json(const ResponseHandling& h) {
    json matchers = json::object();
    for (const auto& [name, m] : h.matchers) matchers[name] = response_matcher_json(m);
    json routes = json::array();
    for (const ResponseRoute& r : h.routes) {
        json o = {{"match", r.matcher.empty() ? std::string("*") : "@" + r.matcher}, {"where", where(r.where)}};
        if (r.replace_status)
            o["replace_status"] = r.replace_status;
        else
            o.update({{"matchers", matchers_json(r.matchers)}, {"handlers", handlers_json(r.handlers)}});
        routes.push_back(std::move(o));
    }
    return {{"response_matchers", matchers}, {"routes", routes}};
}

json spec_json(const HandlerSpec& spec) {
    return std::visit(
        overloaded{
            [](const RootSpec& s) -> json { return {{"path", s.path}}; },
            [](const VarsSpec& s) -> json { return {{"vars", kv(s.vars)}}; },
            [](const HeaderSpec& s) -> json { return {{"ops", header_ops_json(s)}, {"defer", s.defer}}; },
            [](const RequestBodySpec& s) -> json {
                return {{"max_size", s.max_size ? json(*s.max_size) : json(nullptr)}, {"buffer", s.buffer}};
            },
            [](const RedirSpec& s) -> json { return {{"to", s.to}, {"status", s.status}, {"html", s.html}}; },
            [](const RewriteSpec& s) -> json { return {{"to", s.to}}; },
            [](const MethodSpec& s) -> json { return {{"method", s.method}}; },
            [](const UriSpec& s) -> json { return {{"op", s.op}, {"args", s.args}}; },
            [](const TryFilesSpec& s) -> json { return {{"files", s.files}, {"policy", s.policy}}; },
            [](const BasicAuthSpec& s) -> json {
                json accounts = json::array();
                for (const auto& [user, hash] : s.accounts) accounts.push_back({{"username", user}, {"hash", hash}});
                return {{"hash_algorithm", s.hash}, {"realm", s.realm}, {"accounts", accounts}};
            },
            [](const EncodeSpec& s) -> json {
                json out = {{"formats", s.formats},         {"gzip_level", s.gzip_level},
                            {"zstd_level", s.zstd_level},   {"zstd_checksum", s.zstd_checksum},
                            {"br_quality", s.br_quality},   {"br_window", s.br_window},
                            {"minimum_length", s.minimum_length}};
                if (s.match) out["response_match"] = response_matcher_json(*s.match);
                return out;
            },
            [](const VulcainSpec& s) -> json { return {{"max_pushes", s.max_pushes}, {"early_hints", s.early_hints}}; },
            [](const SubrouteSpec& s) -> json {
                json out = {{"matchers", matchers_json(s.matchers)}, {"handlers", handlers_json(s.handlers)}};
                if (!s.strip_prefix.empty()) out["strip_prefix"] = s.strip_prefix;
                return out;
            },
            [](const RespondSpec& s) -> json { return {{"status", s.status}, {"body", s.body}, {"close", s.close}}; },
            [](const ErrorSpec& s) -> json { return {{"status", s.status}, {"message", s.message}}; },
            [](const PhpSpec& s) -> json {
                json workers = json::array();
                for (const PhpWorker& w : s.workers) workers.push_back(worker_to_json(w));
                json out = {{"root", s.root},           {"split_path", s.split_path},
                            {"resolve_root_symlink", s.resolve_root_symlink},
                            {"env", kv(s.env)},         {"index", s.index},
                            {"try_files", s.try_files}, {"file_server", s.file_server},
                            {"hide_defaults", s.hide_defaults}, {"workers", workers}};
                if (!s.upstream.empty()) out["ignored_upstream"] = s.upstream;
                return out;
            },
            [](const MercureSpec& s) -> json {
                return {{"publisher_jwt", {{"key", s.publisher_key}, {"alg", s.publisher_alg}}},
                        {"subscriber_jwt", {{"key", s.subscriber_key}, {"alg", s.subscriber_alg}}},
                        {"anonymous", s.anonymous},
                        {"subscriptions", s.subscriptions},
                        {"publish_origins", s.publish_origins},
                        {"cors_origins", s.cors_origins},
                        {"heartbeat", format_duration(s.heartbeat)},
                        {"write_timeout", format_duration(s.write_timeout)},
                        {"dispatch_timeout", format_duration(s.dispatch_timeout)},
                        {"transport", {{"name", s.transport}, {"path", s.transport_path}, {"size", s.history_size}}},
                        {"cache_size_approx", s.cache_size_approx},
                        {"demo", s.demo}};
            },
            [](const FileServerSpec& s) -> json {
                return {{"root", s.root},         {"hide", s.hide},          {"hide_defaults", s.hide_defaults},
                        {"index", s.index},
                        {"browse", s.browse},     {"precompressed", s.precompressed},
                        {"pass_thru", s.pass_thru}, {"canonical_uris", s.canonical_uris}, {"status", s.status}};
            },
            [](const InterceptSpec& s) -> json { return {{"handle_response", response_handling_json(s.responses)}}; },
            [](const CopyResponseSpec& s) -> json { return {{"status", s.status}}; },
            [](const CopyResponseHeadersSpec& s) -> json { return {{"include", s.include}, {"exclude", s.exclude}}; },
            [](const ReverseProxySpec& s) -> json {
                const ProxyTransportSpec& t = s.transport;
                auto opt = [](const std::optional<Duration>& d) { return duration(d); };
                json out = {{"upstreams", s.upstreams},
                        {"lb_policy", s.lb_policy},
                        {"lb_header", s.lb_header},
                        {"lb_retries", s.lb_retries},
                        {"lb_try_duration", opt(s.lb_try_duration)},
                        {"lb_try_interval", opt(s.lb_try_interval)},
                        {"fail_duration", opt(s.fail_duration)},
                        {"max_fails", s.max_fails},
                        {"unhealthy_status", s.unhealthy_status},
                        {"health_uri", s.health_uri},
                        {"health_interval", opt(s.health_interval)},
                        {"health_timeout", opt(s.health_timeout)},
                        {"health_status", s.health_status},
                        {"flush_interval", s.flush_interval},
                        {"header_up", header_ops_json(s.header_up)},
                        {"header_down", header_ops_json(s.header_down)},
                        {"trusted_proxies", s.trusted_proxies},
                        {"transport",
                         {{"dial_timeout", duration(t.dial_timeout)},
                          {"response_header_timeout", duration(t.response_header_timeout)},
                          {"read_buffer", t.read_buffer ? json(*t.read_buffer) : json(nullptr)},
                          {"keepalive", t.keepalive},
                          {"keepalive_idle", duration(t.keepalive_idle)},
                          {"keepalive_idle_conns", t.keepalive_idle_conns ? json(*t.keepalive_idle_conns) : json(nullptr)},
                          {"tls", t.tls},
                          {"tls_insecure_skip_verify", t.tls_insecure_skip_verify},
                          {"tls_server_name", t.tls_server_name},
                          {"tls_trusted_ca_certs", t.tls_trusted_ca_certs}}}};
                if (!s.responses.empty()) out["handle_response"] = response_handling_json(s.responses);
                return out;
            },
        },
        spec);
}

json handler_json(const Handler& h) {
    json out = spec_json(h.spec);
    out["directive"] = h.directive;
    if (!h.group.empty()) out["group"] = h.group;
    out["match"] = h.match.kind == MatchSpec::Kind::all    ? std::string("*")
                   : h.match.kind == MatchSpec::Kind::path ? h.match.value
                                                           : "@" + h.match.value;
    out["where"] = where(h.where);
    return out;
}

json acme_json(const AcmeSettings& a) {
    return {{"dir", a.dir},
            {"test_dir", a.test_dir},
            {"email", a.email},
            {"trusted_roots", a.trusted_roots},
            {"disable_http_challenge", a.disable_http_challenge},
            {"disable_tlsalpn_challenge", a.disable_tlsalpn_challenge},
            {"timeout", duration(a.timeout)}};
}

json internal_json(const InternalSettings& i) {
    return {{"lifetime", duration(i.lifetime)}, {"sign_with_root", i.sign_with_root}};
}

json issuer_json(const std::optional<IssuerConfig>& i) {
    if (!i) return nullptr;
    if (i->kind == IssuerConfig::Kind::internal)
        return {{"module", "internal"}, {"internal", internal_json(i->internal)}, {"where", where(i->where)}};
    return {{"module", "acme"}, {"acme", acme_json(i->acme)}, {"where", where(i->where)}};
}

json tls_json(const TlsConfig& t) {
    json out = {{"cert", t.cert},
                {"key", t.key},
                {"internal", t.internal},
                {"email", t.email},
                {"protocol_min", t.protocol_min},
                {"protocol_max", t.protocol_max},
                {"ciphers", t.ciphers},
                {"curves", t.curves},
                {"alpn", t.alpn},
                {"load", t.load},
                {"key_type", t.key_type},
                {"reuse_private_keys", t.reuse_private_keys},
                {"issuer", issuer_json(t.issuer)},
                {"client_auth", nullptr},
                {"where", where(t.where)}};
    if (t.client_auth)
        out["client_auth"] = {{"mode", t.client_auth->mode},
                              {"trusted_ca_cert_files", t.client_auth->trusted_ca_cert_files},
                              {"trusted_leaf_cert_files", t.client_auth->trusted_leaf_cert_files},
                              {"where", where(t.client_auth->where)}};
    return out;
}

json https_json(const HttpsPlan& p) {
    json certificates = json::array(), redirects = json::array(), policies = json::array();
    for (const ManagedCertificate& m : p.certificates) {
        json c = {{"name", m.name}, {"key_type", m.key_type}, {"site", m.site}};
        if (m.issuer == ManagedCertificate::Issuer::internal) {
            c["issuer"] = "internal";
            c["internal"] = internal_json(m.internal);
        } else {
            c["issuer"] = "acme";
            c["acme"] = acme_json(m.acme);
        }
        certificates.push_back(c);
    }
    for (const HttpsRedirect& r : p.redirects)
        redirects.push_back({{"http_port", r.http_port}, {"host", r.host}, {"https_port", r.https_port},
                             {"location", r.location}, {"bind", r.bind}, {"where", where(r.where)}});
    for (const TlsSitePolicy& t : p.policies)
        policies.push_back({{"site", t.site}, {"port", t.port}, {"names", t.names}, {"catch_all", t.catch_all}});
    return {{"certificates", certificates}, {"redirects", redirects}, {"policies", policies},
            {"install_trust", p.install_trust}};
}

json global_json(const GlobalOptions& g) {
    json out = {{"debug", g.debug},
                {"http_port", g.http_port},
                {"https_port", g.https_port},
                {"admin", g.admin},
                {"auto_https", g.auto_https},
                {"default_bind", g.default_bind},
                {"grace_period", duration(g.grace_period)},
                {"shutdown_delay", duration(g.shutdown_delay)},
                {"directive_order", g.directive_order},
                {"metrics", g.metrics ? json{{"per_host", g.metrics_per_host}} : json(nullptr)},
                {"logs", json::array()},
                {"servers", json::array()}};
    out["email"] = g.email;
    out["acme_ca"] = g.acme_ca;
    out["acme_ca_root"] = g.acme_ca_root;
    out["local_certs"] = g.local_certs;
    out["skip_install_trust"] = g.skip_install_trust;
    out["storage"] = g.storage ? json{{"module", "file_system"}, {"root", g.storage->root}, {"where", where(g.storage->where)}} : json(nullptr);
    out["default_sni"] = g.default_sni;
    out["cert_issuer"] = issuer_json(g.cert_issuer);
    out["ocsp_stapling"] = g.ocsp_stapling;
    out["key_type"] = g.key_type;
    for (const LogConfig& l : g.logs) out["logs"].push_back(log_json(l));
    for (const ServerOptions& s : g.servers)
        out["servers"].push_back({{"listener", s.listener},
                                  {"name", s.name},
                                  {"metrics", s.metrics ? json{{"per_host", s.metrics_per_host}} : json(nullptr)},
                                  {"timeouts",
                                   {{"read_body", duration(s.read_body)},
                                    {"read_header", duration(s.read_header)},
                                    {"write", duration(s.write)},
                                    {"idle", duration(s.idle)}}},
                                  {"max_header_size", s.max_header_size ? json(*s.max_header_size) : json(nullptr)},
                                  {"protocols", s.protocols},
                                  {"trusted_proxies", s.trusted_proxies.empty()
                                                          ? json(nullptr)
                                                          : json{{"source", "static"}, {"ranges", s.trusted_proxies}}},
                                  {"client_ip_headers", s.client_ip_headers},
                                  {"trusted_proxies_strict", s.trusted_proxies_strict},
                                  {"log_credentials", s.log_credentials},
                                  {"enable_full_duplex", s.enable_full_duplex},
                                  {"where", where(s.where)}});
    return out;
}

json site_json(const Site& s) {
    json addresses = json::array();
    for (const Address& a : s.addresses)
        addresses.push_back(
            {{"original", a.original}, {"scheme", a.scheme}, {"host", a.host}, {"port", a.port}, {"path", a.path},
             {"where", where(a.where)}});
    json logs = json::array();
    for (const LogConfig& l : s.logs) logs.push_back(log_json(l));
    json tls = nullptr;
    if (s.tls) tls = tls_json(*s.tls);
    // Caddy's server `errors.routes`, one per handle_errors block, in the order they are tried.
    json error_routes = json::array();
    for (const ErrorRoute& e : s.errors) {
        std::vector<std::string> statuses;
        for (int c : e.codes) statuses.push_back(std::to_string(c));
        for (int c : e.classes) statuses.push_back(std::to_string(c) + "xx");
        error_routes.push_back({{"status_codes", statuses},
                                {"matchers", matchers_json(e.matchers)},
                                {"handlers", handlers_json(e.handlers)},
                                {"where", where(e.where)}});
    }
    json out = {{"addresses", addresses}, {"bind", s.bind},  {"matchers", matchers_json(s.matchers)},
                {"handlers", handlers_json(s.handlers)}, {"logs", logs}, {"tls", tls}, {"where", where(s.where)}};
    if (!s.errors.empty()) out["errors"] = {{"routes", error_routes}};
    return out;
}

}  // namespace

nlohmann::json to_json(const Config& config) {
    json warnings = json::array();
    for (const Warning& w : config.warnings) warnings.push_back(w.str());
    json sites = json::array();
    for (const Site& s : config.sites) sites.push_back(site_json(s));
    return {{"source", config.source},
            {"warnings", warnings},
            {"global", global_json(config.global)},
            {"sites", sites},
            {"https", https_json(config.https)},
            {"apps", apps_json(config)}};
}

}  // namespace caddyfile
