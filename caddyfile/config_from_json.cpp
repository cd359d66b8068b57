#include "caddyfile/config_from_json.h"

#include <charconv>

#include "caddyfile/apps_json.h"
#include "caddyfile/config_from_json_parts.h"
#include "caddyfile/config_json.h"
#include "caddyfile/directive_order.h"
#include "caddyfile/global_options.h"
#include "caddyfile/load.h"
#include "caddyfile/log_json.h"

namespace caddyfile {

namespace json_read {

namespace {

const std::vector<std::string> kAutoHttps = {"on", "off", "disable_redirects", "disable_certs", "ignore_loaded_certs",
                                             "prefer_wildcard"};
const std::vector<std::string> kKeyTypes = {"", "ed25519", "p256", "p384", "rsa2048", "rsa4096"};

AcmeSettings read_acme(const json& v, const std::string& path) {
    Object o(v, path);
    AcmeSettings a;
    a.dir = o.str("dir");
    a.test_dir = o.str("test_dir");
    a.email = o.str("email");
    a.trusted_roots = o.strings("trusted_roots");
    a.disable_http_challenge = o.boolean("disable_http_challenge", false);
    a.disable_tlsalpn_challenge = o.boolean("disable_tlsalpn_challenge", false);
    a.timeout = o.duration("timeout");
    o.finish();
    return a;
}

ServerOptions read_server(const json& v, const std::string& path) {
    Object o(v, path);
    ServerOptions s;
    s.listener = o.str("listener");
    s.name = o.str("name");
    if (const json* t = o.get("timeouts")) {
        Object to(*t, o.at("timeouts"));
        s.read_body = to.duration("read_body");
        s.read_header = to.duration("read_header");
        s.write = to.duration("write");
        s.idle = to.duration("idle");
        to.finish();
    }
    s.max_header_size = o.size("max_header_size");
    s.protocols = o.strings("protocols");
    for (size_t i = 0; i < s.protocols.size(); ++i)
        if (s.protocols[i] != "h1" && s.protocols[i] != "h2" && s.protocols[i] != "h2c" && s.protocols[i] != "h3")
            fail(child(o.at("protocols"), i), "expected one of h1, h2, h2c, h3, got " + caddyfile::quoted(s.protocols[i]));
    if (const json* t = o.get("trusted_proxies"); t && !t->is_null()) {
        Object to(*t, o.at("trusted_proxies"));
        if (to.str("source") != "static") fail(to.at("source"), "expected \"static\"");
        s.trusted_proxies = to.strings("ranges");
        to.finish();
    }
    s.client_ip_headers = o.strings("client_ip_headers");
    s.trusted_proxies_strict = o.boolean("trusted_proxies_strict", false);
    s.log_credentials = o.boolean("log_credentials", false);
    s.enable_full_duplex = o.boolean("enable_full_duplex", false);
    if (const json* m = o.get("metrics")) {
        Object mo(*m, o.at("metrics"));
        s.metrics = true;
        s.metrics_per_host = mo.boolean("per_host", false);
        mo.finish();
    }
    s.where = o.where();
    o.finish();
    return s;
}

GlobalOptions read_global(const json& v, const std::string& path) {
    Object o(v, path);
    GlobalOptions g;
    g.debug = o.boolean("debug", false);
    g.http_port = o.integer("http_port", 80, 0, 65535);
    g.https_port = o.integer("https_port", 443, 0, 65535);
    g.admin = o.str("admin", g.admin);
    g.auto_https = o.one_of("auto_https", "on", kAutoHttps);
    g.default_bind = o.strings("default_bind");
    g.grace_period = o.duration("grace_period");
    g.shutdown_delay = o.duration("shutdown_delay");
    g.directive_order = o.strings_or("directive_order", default_directive_order());
    if (const json* logs = o.get("logs"))
        for (size_t i = 0; i < as_array(*logs, o.at("logs")).size(); ++i)
            g.logs.push_back(read_log((*logs)[i], child(o.at("logs"), i)));
    if (const json* servers = o.get("servers"))
        for (size_t i = 0; i < as_array(*servers, o.at("servers")).size(); ++i)
            g.servers.push_back(read_server((*servers)[i], child(o.at("servers"), i)));
    g.email = o.str("email");
    g.acme_ca = o.str("acme_ca");
    g.acme_ca_root = o.str("acme_ca_root");
    g.local_certs = o.boolean("local_certs", false);
    g.skip_install_trust = o.boolean("skip_install_trust", false);
    if (const json* st = o.get("storage")) {
        Object so(*st, o.at("storage"));
        so.one_of("module", "file_system", {"file_system"});
        g.storage = StorageConfig{so.str("root"), so.where()};
        so.finish();
    }
    g.default_sni = o.str("default_sni");
    g.cert_issuer = read_issuer(o.get("cert_issuer"), o.at("cert_issuer"));
    g.ocsp_stapling = o.boolean("ocsp_stapling", true);
    if (const json* m = o.get("metrics")) {
        Object mo(*m, o.at("metrics"));
        g.metrics = true;
        g.metrics_per_host = mo.boolean("per_host", false);
        mo.finish();
    }
    g.key_type = o.one_of("key_type", "", kKeyTypes);
    if (o.get("frankenphp")) fail(o.at("frankenphp"), "the frankenphp options live in /apps/frankenphp");
    if (o.get("pogo")) fail(o.at("pogo"), "the pogo pools live in /apps/pogo");
    o.finish();
    return g;
}

FrankenPhpOptions read_frankenphp(const json& v, const std::string& path, const Context& ctx) {
    Object o(v, path);
    FrankenPhpOptions f;
    f.present = true;
    f.num_threads = o.integer("num_threads", 0, 0);
    if (const json* m = o.get("max_threads"); m && m->is_string() && m->get<std::string>() == "auto")
        f.max_threads = -1;
    else
        f.max_threads = o.integer("max_threads", 0, -1);
    f.max_wait_time = o.duration("max_wait_time");
    f.max_idle_time = o.duration("max_idle_time");
    f.max_requests = o.integer("max_requests", 0, 0);
    f.php_ini = o.string_map("php_ini");
    if (const json* workers = o.get("workers"))
        for (size_t i = 0; i < as_array(*workers, o.at("workers")).size(); ++i)
            f.workers.push_back(read_worker((*workers)[i], child(o.at("workers"), i), ctx));
    f.where = o.where();
    o.finish();
    if (auto problem = check_frankenphp(f)) {
        std::string at = o.at(problem->field);
        if (problem->field == "workers") at = child(child(at, problem->index), "name");
        fail(at, problem->message);
    }
    return f;
}

PogoOptions read_pogo(const json& v, const std::string& path, const Context& ctx) {
    Object o(v, path);
    PogoOptions p;
    p.present = true;
    p.where = o.where();
    const json* pools = o.get("pools");
    if (!pools) fail(path, "pogo requires a \"default\" pool");
    const std::string pools_at = o.at("pools");
    for (size_t i = 0; i < as_array(*pools, pools_at).size(); ++i) {
        Object po((*pools)[i], child(pools_at, i));
        PogoPool pool;
        pool.name = po.str("name");
        if (!valid_pool_name(pool.name))
            fail(po.at("name"), "invalid pogo pool name " + caddyfile::quoted(pool.name) + ": use letters, digits, '_', '-' and '.'");
        for (const PogoPool& other : p.pools)
            if (other.name == pool.name) fail(po.at("name"), "duplicate pogo pool " + caddyfile::quoted(pool.name));
        pool.worker = po.str("worker");
        if (pool.worker.empty()) fail(po.at("worker"), "pogo pool " + caddyfile::quoted(pool.name) + " worker is required");
        po.get("worker_path");  // derived from worker
        pool.worker_path = join_path(ctx.config_dir, pool.worker);
        if (ctx.options.check_files && !ctx.fs.exists(pool.worker_path))
            fail(po.at("worker"), "pogo pool " + caddyfile::quoted(pool.name) + " worker file not found: " + pool.worker_path);
        pool.num_threads = po.integer("num_threads", 0, 0);
        if (auto d = po.duration("max_wait")) {
            if (*d <= Duration(0)) fail(po.at("max_wait"), "\"max_wait\" must be positive");
            pool.max_wait = *d;
        }
        pool.where = po.where();
        po.finish();
        p.pools.push_back(std::move(pool));
    }
    bool has_default = false;
    for (const PogoPool& pool : p.pools) has_default = has_default || pool.name == "default";
    if (!has_default) fail(pools_at, "pogo requires a \"default\" pool");
    o.finish();
    return p;
}

// "FILE:LINE: message", as Warning::str wrote it.
Warning read_warning(const json& v, const std::string& path) {
    std::string s = as_string(v, path);
    for (size_t colon = s.find(':'); colon != std::string::npos; colon = s.find(':', colon + 1)) {
        size_t end = s.find(": ", colon + 1);
        if (end == std::string::npos) break;
        int line = 0;
        auto [p, ec] = std::from_chars(s.data() + colon + 1, s.data() + end, line);
        if (ec == std::errc() && p == s.data() + end) return Warning{s.substr(0, colon), line, s.substr(end + 2)};
    }
    fail(path, "expected \"FILE:LINE: message\", got " + show(v));
}

}  // namespace

LogConfig read_log(const json& v, const std::string& path) { return log_from_json(v, path); }

std::optional<IssuerConfig> read_issuer(const json* v, const std::string& path) {
    if (!v) return std::nullopt;
    Object o(*v, path);
    IssuerConfig i;
    std::string module = o.one_of("module", "acme", {"acme", "internal"});
    if (module == "internal") {
        i.kind = IssuerConfig::Kind::internal;
        if (const json* in = o.get("internal")) {
            Object io(*in, o.at("internal"));
            i.internal.lifetime = io.duration("lifetime");
            i.internal.sign_with_root = io.boolean("sign_with_root", false);
            io.finish();
        }
    } else if (const json* a = o.get("acme")) {
        i.acme = read_acme(*a, o.at("acme"));
    }
    i.where = o.where();
    o.finish();
    return i;
}

PhpWorker read_worker(const json& v, const std::string& path, const Context& ctx, const std::string& base_dir) {
    Object o(v, path);
    PhpWorker w;
    w.name = o.str("name");
    w.file = o.str("file_name");
    if (w.file.empty()) fail(o.at("file_name"), "worker: missing the worker file");
    o.get("path");  // derived from file_name
    w.path = join_path(base_dir.empty() ? ctx.working_dir : base_dir, w.file);
    if (ctx.options.check_files && !ctx.fs.exists(w.path)) fail(o.at("file_name"), "worker file not found: " + w.path);
    w.num = o.integer("num", 0, 0);
    w.env = o.string_map("env");
    w.watch = o.strings("watch");
    if (const json* m = o.get("match"); m && m->is_string())
        w.match = {m->get<std::string>()};  // FrankenPHP's older single-path form
    else
        w.match = o.strings("match");
    w.max_threads = o.integer("max_threads", 0, 0);
    w.max_consecutive_failures = o.integer("max_consecutive_failures", 0, -1);
    w.where = o.where();
    o.finish();
    return w;
}

}  // namespace json_read

Config config_from_json(const nlohmann::json& document, const LoadOptions& options) {
    using namespace json_read;
    Object top(document, "");
    Config config;
    config.source = top.str("source");
    json_read::Context ctx{options, options.fs ? *options.fs : real_filesystem(),
                           absolute_dir(parent_dir(config.source)), absolute_dir(options.working_dir)};
    if (const json* w = top.get("warnings"))
        for (size_t i = 0; i < as_array(*w, "/warnings").size(); ++i)
            config.warnings.push_back(read_warning((*w)[i], child("/warnings", i)));
    if (const json* g = top.get("global")) config.global = read_global(*g, "/global");
    else config.global.directive_order = default_directive_order();
    const json* http = nullptr;
    if (const json* apps = top.get("apps")) {
        Object ao(*apps, "/apps");
        if (const json* f = ao.get("frankenphp")) config.global.frankenphp = read_frankenphp(*f, "/apps/frankenphp", ctx);
        if (const json* p = ao.get("pogo")) config.global.pogo = read_pogo(*p, "/apps/pogo", ctx);
        http = ao.get("http");
        ao.finish();
    }
    if (const json* sites = top.get("sites"))
        for (size_t i = 0; i < as_array(*sites, "/sites").size(); ++i)
            config.sites.push_back(read_site((*sites)[i], child("/sites", i), ctx));
    const json* https = top.get("https");
    top.finish();

    validate_config(config);
    if (https && *https != to_json(config)["https"])
        throw Error("config", 0, "/https is derived from /sites and /global: edit those instead");
    if (http && *http != http_app_json(config))
        throw Error("config", 0, "/apps/http is derived from /sites: edit the sites instead");
    return config;
}

void strip_derived(nlohmann::json& document) {
    if (!document.is_object()) return;
    document.erase("https");
    if (auto apps = document.find("apps"); apps != document.end() && apps->is_object()) apps->erase("http");
}

}  // namespace caddyfile
