// Caddyfiles shaped like real deployments (FrankenPHP's Docker image, Laravel, Symfony, WordPress,
// several sites with snippets and matchers) load, validate, adapt, and are already formatted.
#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "caddyfile/config_json.h"
#include "caddyfile/error.h"
#include "caddyfile/formatter.h"
#include "caddyfile/load.h"

using namespace caddyfile;

namespace {

const std::string kDir = std::string(CADDYFILE_FIXTURES) + "/real";

LoadOptions options(std::map<std::string, std::string> env = {}) {
    LoadOptions o;
    o.working_dir = kDir;
    o.env = [env](const std::string& name) -> std::optional<std::string> {
        auto it = env.find(name);
        if (it == env.end()) return std::nullopt;
        return it->second;
    };
    return o;
}

std::string read(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string load_error(const std::string& name, std::map<std::string, std::string> env) {
    try {
        load_config(kDir + "/" + name, options(std::move(env)));
    } catch (const Error& e) {
        return e.what();
    }
    return "no error";
}

}  // namespace

TEST_CASE("real-world Caddyfiles load, adapt and are formatted") {
    const std::pair<const char*, std::map<std::string, std::string>> files[] = {
        {"frankenphp-docker.Caddyfile", {{"SERVER_NAME", ":80"}}},
        {"frankenphp-docker.Caddyfile", {}},
        {"laravel.Caddyfile", {}},
        {"symfony.Caddyfile", {}},
        {"wordpress.Caddyfile", {}},
        {"multisite.Caddyfile", {}},
    };
    for (const auto& [name, env] : files) {
        CAPTURE(name);
        const std::string path = kDir + "/" + name;
        Config c = load_config(path, options(env));
        CHECK(!c.sites.empty());
        nlohmann::json j = to_json(c);
        CHECK(j["sites"].size() == c.sites.size());
        CHECK(!j.dump().empty());
        std::string text = read(path);
        CHECK(format(text) == text);
        CHECK(format(format(text)) == format(text));
    }
}

TEST_CASE("FrankenPHP's Docker Caddyfile: environment decides") {
    Config c = load_config(kDir + "/frankenphp-docker.Caddyfile",
                           options({{"SERVER_NAME", ":80"}, {"FRANKENPHP_CONFIG", "worker ./public/index.php 2"},
                                    {"CADDY_GLOBAL_OPTIONS", "debug"}}));
    CHECK(c.global.debug);
    REQUIRE(c.global.frankenphp.workers.size() == 1);
    CHECK(c.global.frankenphp.workers[0].path == kDir + "/public/index.php");
    REQUIRE(c.sites.size() == 1);
    CHECK(c.sites[0].addresses[0].port == 80);
    REQUIRE(c.sites[0].handlers.size() == 3);
    CHECK(std::get<RootSpec>(c.sites[0].handlers[0].spec).path == "public/");
    CHECK(c.sites[0].handlers[2].directive == "php_server");
    CHECK(c.warnings.empty());  // `encode zstd br gzip`: brotli is served

    // The image's default server name is localhost, which Caddy serves over HTTPS with a certificate
    // from its local CA, and redirects to from port 80.
    Config local = load_config(kDir + "/frankenphp-docker.Caddyfile", options());
    REQUIRE(local.sites.size() == 1);
    CHECK(local.sites[0].addresses[0].scheme == "https");
    CHECK(local.sites[0].addresses[0].port == 443);
    REQUIRE(local.https.certificates.size() == 1);
    CHECK(local.https.certificates[0].name == "localhost");
    CHECK(local.https.certificates[0].issuer == ManagedCertificate::Issuer::internal);
    REQUIRE(local.https.redirects.size() == 1);
    CHECK(local.https.redirects[0].host == "localhost");
    CHECK(local.https.redirects[0].http_port == 80);
    CHECK(local.https.redirects[0].location == "https://{host}{uri}");
    CHECK(local.https.install_trust);
    // A public name gets an ACME certificate; auto_https off serves the name over plain HTTP.
    Config pub = load_config(kDir + "/frankenphp-docker.Caddyfile",
                             options({{"SERVER_NAME", "shop.example.com"}, {"CADDY_GLOBAL_OPTIONS", "email ops@example.com"}}));
    REQUIRE(pub.https.certificates.size() == 1);
    CHECK(pub.https.certificates[0].issuer == ManagedCertificate::Issuer::acme);
    CHECK(pub.https.certificates[0].acme.email == "ops@example.com");
    Config off = load_config(kDir + "/frankenphp-docker.Caddyfile", options({{"CADDY_GLOBAL_OPTIONS", "auto_https off"}}));
    CHECK(off.sites[0].addresses[0].scheme == "http");
    CHECK(off.https.certificates.empty());
    // symfony-docker's way of enabling the hub: its site gets a mercure block.
    Config hub = load_config(kDir + "/frankenphp-docker.Caddyfile",
                             options({{"SERVER_NAME", ":80"}, {"CADDY_SERVER_EXTRA_DIRECTIVES", "mercure {\nanonymous\n}"}}));
    bool found = false;
    for (const Handler& h : hub.sites[0].handlers)
        if (const auto* m = std::get_if<MercureSpec>(&h.spec)) found = m->anonymous;
    CHECK(found);
    CHECK(load_error("frankenphp-docker.Caddyfile",
                     {{"SERVER_NAME", ":80"}, {"CADDY_SERVER_EXTRA_DIRECTIVES", "mercure {\nsubscriber_jwks_url https://x\n}"}}) ==
          kDir + "/frankenphp-docker.Caddyfile:31: mercure subscriber_jwks_url: keys fetched from a JWKS URL are not "
                 "supported by Pogo; give the key itself");
}

TEST_CASE("mercure: the hub's options, as symfony-docker writes them") {
    Config c = load_config(kDir + "/mercure.Caddyfile", options());
    const MercureSpec* m = nullptr;
    for (const Handler& h : c.sites[0].handlers)
        if (const auto* spec = std::get_if<MercureSpec>(&h.spec)) m = spec;
    REQUIRE(m != nullptr);
    CHECK(m->transport == "bolt");
    CHECK(m->transport_path == "mercure.db");
    CHECK(m->publisher_key == "{env.MERCURE_PUBLISHER_JWT_KEY}");
    CHECK(m->publisher_alg == "{env.MERCURE_PUBLISHER_JWT_ALG}");
    CHECK(m->anonymous);
    CHECK(m->subscriptions);
    CHECK(m->cors_origins == std::vector<std::string>{"https://app.example.com"});
    CHECK(m->publish_origins == std::vector<std::string>{"*"});
    CHECK(m->heartbeat == std::chrono::seconds(15));
    CHECK(m->write_timeout == std::chrono::seconds(600));
    Config local = load_config(kDir + "/mercure.Caddyfile",
                               options({{"MERCURE_TRANSPORT_URL", "bolt:///data/m.db?size=1000&cleanup_frequency=0.4"}}));
    for (const Handler& h : local.sites[0].handlers)
        if (const auto* spec = std::get_if<MercureSpec>(&h.spec)) {
            CHECK(spec->transport_path == "/data/m.db");
            CHECK(spec->history_size == 1000);
        }
    const std::pair<const char*, const char*> bad[] = {
        {"transport_url redis://x", "mercure transport_url: unsupported transport \"redis://x\" (Pogo's hub has local:// and bolt://)"},
        {"publisher_jwt k PS256", "mercure publisher_jwt: unsupported algorithm \"PS256\" (expected HS256, HS384, HS512, RS256, RS512 or ES256)"},
        {"heartbeat soon", "mercure heartbeat: "},
        {"ui", "mercure ui: Pogo's hub has no debugging UI"},
        {"transport redis", "mercure transport: unsupported transport \"redis\" (Pogo's hub has local and bolt)"},
    };
    for (const auto& [extra, message] : bad) {
        CAPTURE(extra);
        std::string e = load_error("mercure.Caddyfile", {{"MERCURE_EXTRA_DIRECTIVES", extra}});
        CHECK(e.find(kDir + "/mercure.Caddyfile:18: " + message) == 0);
    }
}

TEST_CASE("multi-site Caddyfile: snippets, matchers, pools") {
    Config c = load_config(kDir + "/multisite.Caddyfile", options());
    REQUIRE(c.sites.size() == 3);
    CHECK(c.global.http_port == 8080);
    CHECK(c.sites[0].addresses[0].port == 8080);
    CHECK(c.global.pogo.pools.size() == 2);
    CHECK(c.global.pogo.pools[1].worker_path == kDir + "/public/pogo-worker.php");
    std::string order;
    for (const Handler& h : c.sites[0].handlers) order += h.directive + " ";
    CHECK(order == "root basic_auth header header redir rewrite encode php_server ");
    CHECK(c.sites[2].matchers[0].set.expression == "{method} == \"GET\"");
}
