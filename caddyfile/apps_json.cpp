#include "caddyfile/apps_json.h"

#include <map>
#include <set>

namespace caddyfile {

namespace {

using nlohmann::json;

std::string where(const Location& l) { return l.file + ":" + std::to_string(l.line); }

json nanoseconds(const std::optional<Duration>& d) { return d ? json(d->count()) : json(nullptr); }

json string_map(const KeyValues& kv) {
    json out = json::object();
    for (const auto& [k, v] : kv) out[k] = v;  // a later value wins, as in FrankenPHP's Go map
    return out;
}

// What Pogo's runtime binds for a site address (server/routes/build.cpp): one listener per bind
// address and port; no bind address is every interface.
std::string listen_address(const std::string& bind, int port) {
    std::string host = bind;
    if (host.find(':') != std::string::npos && !host.starts_with("[")) host = "[" + host + "]";
    return host + ":" + std::to_string(port);
}

}  // namespace

json worker_to_json(const PhpWorker& w) {
    return {{"name", w.name},
            {"file_name", w.file},
            {"path", w.path},
            {"num", w.num},
            {"env", string_map(w.env)},
            {"watch", w.watch},
            {"match", w.match},
            {"max_threads", w.max_threads},
            {"max_consecutive_failures", w.max_consecutive_failures},
            {"where", where(w.where)}};
}

json frankenphp_app_json(const FrankenPhpOptions& f) {
    json workers = json::array();
    for (const PhpWorker& w : f.workers) workers.push_back(worker_to_json(w));
    return {{"num_threads", f.num_threads},
            {"max_threads", f.max_threads},
            {"max_wait_time", nanoseconds(f.max_wait_time)},
            {"max_idle_time", nanoseconds(f.max_idle_time)},
            {"max_requests", f.max_requests},
            {"php_ini", string_map(f.php_ini)},
            {"workers", workers},
            {"where", where(f.where)}};
}

json pogo_app_json(const PogoOptions& p) {
    json pools = json::array();
    for (const PogoPool& pool : p.pools)
        pools.push_back({{"name", pool.name},
                         {"worker", pool.worker},
                         {"worker_path", pool.worker_path},
                         {"num_threads", pool.num_threads},
                         {"max_wait", format_duration(pool.max_wait)},
                         {"where", where(pool.where)}});
    return {{"pools", pools}, {"where", where(p.where)}};
}

json http_app_json(const Config& config) {
    const GlobalOptions& g = config.global;
    std::vector<std::string> order;                  // listeners, as the sites first use them
    std::map<std::string, std::set<size_t>> sites_of;  // listener -> sites
    for (size_t i = 0; i < config.sites.size(); ++i) {
        const Site& site = config.sites[i];
        std::vector<std::string> binds = !site.bind.empty() ? site.bind : g.default_bind;
        if (binds.empty()) binds = {""};
        for (const Address& a : site.addresses)
            for (const std::string& bind : binds) {
                std::string l = listen_address(bind, a.port);
                if (!sites_of.count(l)) order.push_back(l);
                sites_of[l].insert(i);
            }
    }
    // Caddy makes one server of the listeners that serve the same sites.
    std::vector<std::vector<std::string>> groups;
    std::vector<std::set<size_t>> group_sites;
    for (const std::string& l : order) {
        size_t k = 0;
        while (k < groups.size() && group_sites[k] != sites_of[l]) ++k;
        if (k == groups.size()) {
            groups.emplace_back();
            group_sites.push_back(sites_of[l]);
        }
        groups[k].push_back(l);
    }
    json servers = json::object();
    for (size_t k = 0; k < groups.size(); ++k) {
        std::string name = "srv" + std::to_string(k);
        json server = {{"listen", groups[k]}};
        for (const ServerOptions& s : g.servers) {
            bool applies = s.listener.empty();
            for (const std::string& l : groups[k]) applies = applies || s.listener == l;
            if (!applies) continue;
            if (!s.listener.empty() && !s.name.empty()) name = s.name;
            if (!s.protocols.empty()) server["protocols"] = s.protocols;
        }
        if (g.auto_https == "off") server["automatic_https"] = {{"disable", true}};
        if (g.auto_https == "disable_redirects") server["automatic_https"] = {{"disable_redirects", true}};
        servers[name] = server;
    }
    return {{"servers", servers}};
}

json apps_json(const Config& config) {
    json apps = {{"http", http_app_json(config)}};
    if (config.global.frankenphp.present) apps["frankenphp"] = frankenphp_app_json(config.global.frankenphp);
    if (config.global.pogo.present) apps["pogo"] = pogo_app_json(config.global.pogo);
    return apps;
}

}  // namespace caddyfile
