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
    CHECK(load_error("frankenphp-docker.Caddyfile",
                     {{"SERVER_NAME", ":80"}, {"CADDY_SERVER_EXTRA_DIRECTIVES", "mercure {\n}"}}) ==
          kDir + "/frankenphp-docker.Caddyfile:31: directive \"mercure\" is not supported by Pogo");
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
