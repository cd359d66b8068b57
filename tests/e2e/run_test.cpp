// `pogo run --config Caddyfile` end to end, with real-world shaped Caddyfiles from
// tests/fixtures/caddy/: FrankenPHP's Docker image, Laravel, Symfony, WordPress, and several sites
// on one port. Each test picks a free port (binding port 0 first), passes it through the
// environment (`{$PORT}` in the Caddyfile), starts pogo in the fixture's directory (relative
// roots are relative to it, as with Caddy), and asserts responses over HTTP with libcurl.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include "tests/e2e/common.h"
#include "tests/support/gunzip.h"
#include "tests/support/unbrotli.h"
#include "tests/support/unzstd.h"

using namespace e2e;
using pogo::test::gunzip;
using pogo::test::unzstd;
namespace fs = std::filesystem;

namespace {


fs::path fixture(std::string_view name) { return fixtures_dir() / "caddy" / name; }

struct Run {
    int port = 0;
    std::unique_ptr<PogoProcess> pogo;
    std::string url(std::string_view path) const { return "http://127.0.0.1:" + std::to_string(port) + std::string(path); }
    std::string host(std::string_view name) const { return "Host: " + std::string(name) + ":" + std::to_string(port); }
};

// `pogo run --config Caddyfile` in the fixture's directory, waited until it listens.
Run start_run(std::string_view name, std::vector<std::string> env = {}, std::vector<std::string> extra_args = {}) {
    Run r;
    r.port = free_port();
    fs::current_path(fixture(name));
    env.push_back("PORT=" + std::to_string(r.port));
    std::vector<std::string> args = {"run", "--config", "Caddyfile"};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    r.pogo = std::make_unique<PogoProcess>(args, env);
    REQUIRE_MESSAGE(r.pogo->wait_listening(), r.pogo->describe());
    return r;
}

}  // namespace

TEST_CASE("FrankenPHP's Docker Caddyfile: env-driven site, php_server, encode, --envfile") {
    TempDir tmp;
    int port = free_port();
    write_file(tmp / "env", "# deployment settings\nSERVER_NAME=http://127.0.0.1:" + std::to_string(port) +
                                "\nexport CADDY_SERVER_EXTRA_DIRECTIVES=\"header X-Extra yes\"\n");
    fs::current_path(fixture("docker"));
    PogoProcess pogo({"run", "--config", "Caddyfile", "--envfile", (tmp / "env").string(), "--watch"});
    REQUIRE_MESSAGE(pogo.wait_listening(), pogo.describe());
    const std::string base = "http://127.0.0.1:" + std::to_string(port);
    CHECK(pogo.stderr_text().find("brotli") == std::string::npos);  // `encode zstd br gzip`: all three served
    CHECK(pogo.wait_stderr("watching the configuration file for changes"));
    HttpClient client;

    Response r = client.get(base + "/");
    INFO(r.describe());
    REQUIRE(r.status == 200);
    json j = body_json(r);
    CHECK(j["script"] == "/index.php");
    CHECK(r.header("X-Extra") == "yes");

    r = client.get(base + "/some/route?a=1");
    CHECK(r.status == 200);
    CHECK(body_json(r)["uri"] == "/some/route?a=1");

    r = client.get(base + "/sub");
    CHECK(r.status == 308);
    CHECK(r.header("Location") == "/sub/");

    r = client.get(base + "/style.css");
    CHECK(r.status == 200);
    CHECK(r.body == "body{}\n");

    r = client.get(base + "/?pad=400", {"Accept-Encoding: gzip"});
    CHECK(r.status == 200);
    CHECK(r.header("Content-Encoding") == "gzip");
    CHECK(r.header("Vary").find("Accept-Encoding") != std::string::npos);
    CHECK(json::parse(gunzip(r.body))["pad"].get<std::string>().size() == 2000);

    r = client.get(base + "/?pad=400", {"Accept-Encoding: zstd, gzip;q=0.5"});
    CHECK(r.header("Content-Encoding") == "zstd");
    CHECK(unzstd(r.body).find("pogo pogo") != std::string::npos);

    r = client.get(base + "/?pad=400", {"Accept-Encoding: gzip, deflate, br"});  // the directive's order
    CHECK(r.header("Content-Encoding") == "br");
    CHECK(json::parse(pogo::test::unbrotli(r.body))["pad"].get<std::string>().size() == 2000);

    r = client.get(base + "/?pad=1", {"Accept-Encoding: gzip"});  // below the minimum length
    CHECK(r.header("Content-Encoding").empty());
    CHECK(pogo.stop() == 0);
}

TEST_CASE("Laravel: route block, public/ root, try_files to the front controller, php_ini, access log") {
    TempDir tmp;
    Run run = start_run("laravel", {"ACCESS_LOG=" + (tmp / "access.log").string()});
    HttpClient client;
    Response r = client.get(run.url("/users/42?tab=posts"));
    INFO(r.describe());
    REQUIRE(r.status == 200);
    json j = body_json(r);
    CHECK(j["script"] == "/index.php");
    CHECK(j["uri"] == "/users/42?tab=posts");
    CHECK(j["get"]["tab"] == "posts");
    CHECK(j["memory_limit"] == "256M");

    r = client.get(run.url("/css/app.css"), {"Accept-Encoding: gzip"});
    CHECK(r.status == 200);
    CHECK(r.header("Content-Encoding") == "gzip");
    CHECK(r.header("Content-Length").empty());
    CHECK(gunzip(r.body) == read_file(fixture("laravel") / "public/css/app.css"));

    r = client.get(run.url("/favicon.ico"), {"Accept-Encoding: gzip"});  // small and not text: as is
    CHECK(r.body == "favicon");
    CHECK(r.header("Content-Encoding").empty());

    std::string log;
    CHECK(poll_until([&] {
        log = read_file(tmp / "access.log");
        return log.find("/favicon.ico") != std::string::npos;
    }));
    auto lines = lines_of(log);
    REQUIRE(lines.size() >= 3);
    json first = json::parse(lines[0]);
    CHECK(first["logger"] == "http.log.access.log0");
    CHECK(first["msg"] == "handled request");
    CHECK(first["status"] == 200);
    CHECK(first["request"]["uri"] == "/users/42?tab=posts");
    CHECK(first["request"]["method"] == "GET");
    CHECK(first.contains("duration"));
    CHECK(first.contains("resp_headers"));
    CHECK(run.pogo->stop() == 0);
}

TEST_CASE("Symfony: matcher-scoped headers, header removal, handle_path, env, max_header_size") {
    Run run = start_run("symfony");
    HttpClient client;
    Response r = client.get(run.url("/build/app.js"));
    INFO(r.describe());
    REQUIRE(r.status == 200);
    CHECK(r.header("Cache-Control") == "public, max-age=31536000, immutable");
    CHECK(r.header("X-Content-Type-Options") == "nosniff");

    r = client.get(run.url("/build/missing.js"));  // no file: not @static, the front controller answers
    CHECK(r.status == 200);
    CHECK(r.header("Cache-Control").empty());
    json j = body_json(r);
    CHECK(j["app_runtime"] == "Runtime\\FrankenPhpSymfony\\Runtime");
    CHECK_FALSE(r.has_header("X-Powered-By"));
    CHECK(r.header("Referrer-Policy") == "strict-origin-when-cross-origin");

    r = client.get(run.url("/healthz"));
    CHECK(r.status == 200);
    CHECK(r.body == "ok");

    r = client.get(run.url("/"), {run.host("symfony.localhost")});
    CHECK(r.status == 200);
    CHECK(body_json(r)["script"] == "/index.php");

    r = client.get(run.url("/"), {"X-Big: " + std::string(40000, 'a')});
    CHECK(r.status == 431);
    CHECK(run.pogo->stop() == 0);
}

TEST_CASE("WordPress: forbidden files, pretty permalinks to index.php, directory redirects, body limit") {
    Run run = start_run("wordpress");
    HttpClient client;
    Response r = client.get(run.url("/wp-config.php"));
    INFO(r.describe());
    CHECK(r.status == 403);
    CHECK(r.body == "Forbidden");
    r = client.get(run.url("/wp-content/uploads/evil.php"));
    CHECK(r.status == 403);
    CHECK(r.body.find("uploaded code ran") == std::string::npos);

    r = client.get(run.url("/2024/11/hello-world/?preview=true"));
    REQUIRE(r.status == 200);
    json j = body_json(r);
    CHECK(j["script"] == "/index.php");
    CHECK(j["uri"] == "/2024/11/hello-world/?preview=true");
    CHECK(j["get"]["preview"] == "true");
    CHECK(j["post_max_size"] == "64M");

    r = client.get(run.url("/wp-login.php?action=lostpassword"));
    CHECK(body_json(r)["script"] == "/wp-login.php");

    r = client.get(run.url("/wp-admin"));
    CHECK(r.status == 308);
    CHECK(r.header("Location") == "/wp-admin/");
    r = client.get(run.url("/wp-admin/"));
    CHECK(body_json(r)["script"] == "/wp-admin/index.php");

    r = client.get(run.url("/wp-includes/css/style.css"), {run.host("wordpress.example.com"), "Accept-Encoding: gzip"});
    CHECK(r.status == 200);
    CHECK(r.header("Cache-Control") == "max-age=604800");
    CHECK(gunzip(r.body) == read_file(fixture("wordpress") / "public/wp-includes/css/style.css"));

    r = client.post_raw(run.url("/wp-admin/"), std::string(2 << 20, 'x'), "application/octet-stream");
    CHECK(r.status == 413);
    CHECK(run.pogo->stop() == 0);
}

TEST_CASE("several sites on one port: hosts, basic_auth, redir, rewrite, handle, browse, precompressed") {
    Run run = start_run("multisite");
    HttpClient client;
    const std::string shop = run.host("shop.localhost"), docs = run.host("docs.localhost");

    Response r = client.get(run.url("/api/items"), {shop});
    INFO(r.describe());
    REQUIRE(r.status == 200);
    CHECK(r.header("X-Api") == "yes");
    CHECK(r.header("X-Frame-Options") == "DENY");
    r = client.get(run.url("/api/items"), {shop, "X-Debug: 1"});
    CHECK_FALSE(r.has_header("X-Api"));

    r = client.get(run.url("/admin/"), {shop});
    CHECK(r.status == 401);
    CHECK(r.header("WWW-Authenticate") == "Basic realm=\"restricted\"");
    Request authed;
    authed.url = run.url("/admin/");
    authed.headers = {shop};
    authed.userpwd = "admin:secret";
    r = client.perform(authed);
    CHECK(r.status == 200);
    CHECK(body_json(r)["user"] == "admin");
    authed.userpwd = "admin:wrong";
    CHECK(client.perform(authed).status == 401);

    r = client.get(run.url("/old-shop"), {shop});
    CHECK(r.status == 301);
    CHECK(r.header("Location") == "/shop");

    r = client.get(run.url("/products/42?color=red"), {shop});
    json j = body_json(r);
    CHECK(j["script"] == "/index.php");
    CHECK(j["get"]["product"] == "42");
    CHECK(j["get"]["color"] == "red");
    CHECK(j["uri"] == "/products/42?color=red");

    // docs: handle_path + file_server browse
    r = client.get(run.url("/v1/"), {docs});
    CHECK(r.status == 200);
    CHECK(r.header("Content-Type").starts_with("text/html"));
    CHECK(r.body.find("guide/") != std::string::npos);
    CHECK(r.body.find("&lt;odd&gt;&amp;name.txt") != std::string::npos);
    CHECK(r.body.find("<odd>") == std::string::npos);
    CHECK(r.body.find("keys.secret") == std::string::npos);
    r = client.get(run.url("/v1/"), {docs, "Accept: application/json"});
    CHECK(body_json(r).is_array());
    r = client.get(run.url("/v1/guide"), {docs});
    CHECK(r.status == 308);
    CHECK(r.header("Location") == "/v1/guide/");
    CHECK(client.get(run.url("/v1/keys.secret"), {docs}).status == 404);

    const std::string js = read_file(fixture("multisite") / "docs/app.js");
    r = client.get(run.url("/v1/app.js"), {docs, "Accept-Encoding: gzip"});
    CHECK(r.header("Content-Encoding") == "gzip");
    CHECK(r.header("Content-Type").find("javascript") != std::string::npos);
    CHECK(r.header("Vary") == "Accept-Encoding");
    CHECK(gunzip(r.body) == js);
    r = client.get(run.url("/v1/app.js"), {docs, "Accept-Encoding: gzip, zstd"});
    CHECK(r.header("Content-Encoding") == "zstd");
    CHECK(unzstd(r.body) == js);
    r = client.get(run.url("/v1/app.js"), {docs});
    CHECK(r.header("Content-Encoding").empty());
    CHECK(r.body == js);

    r = client.get(run.url("/api/users/7"), {docs});
    CHECK(r.body == "user 7");
    r = client.get(run.url("/api/other"), {docs});
    CHECK(r.status == 404);
    CHECK(r.body == "no such api");
    r = client.get(run.url("/elsewhere"), {docs});
    CHECK(r.status == 404);
    CHECK(r.body == "Not here");

    // the 127.0.0.1 site
    CHECK(client.get(run.url("/health")).body == "healthy");
    r = client.get(run.url("/private/x"));
    CHECK(r.status == 403);
    CHECK(client.get(run.url("/internal")).body == "internal ok");
    CHECK(client.get(run.url("/x?mode=fast")).body == "fast mode");
    r = client.get(run.url("/route"));
    CHECK(r.body == "route GET");
    CHECK(r.header("X-Route") == "first");
    CHECK(r.header("Connection") == "close");
    r = client.get(run.url("/anything"));
    CHECK(r.body == "default 127.0.0.1 /anything");

    // a host no site serves: Caddy's empty 200
    r = client.get(run.url("/"), {run.host("nobody.localhost")});
    CHECK(r.status == 200);
    CHECK(r.body.empty());
    CHECK(run.pogo->stop() == 0);
}

TEST_CASE("pogo run refuses what it cannot honour: exit 1 and file:line on stderr") {
    TempDir tmp;
    struct Case {
        std::string caddyfile;
        const char* expect;
    } cases[] = {
        {"http://127.0.0.1:8999 {\n\tunknown_directive x\n}\n", "Caddyfile:2: "},
        {"http://127.0.0.1:8999 {\n\trespond ok\n\turi query +a\n}\n", "Caddyfile:3: uri query: expected"},
        {"https://127.0.0.1:8999 {\n\ttls cert.pem key.pem\n}\n", "Caddyfile:2: tls"},
        {"{\n\tservers :8999 {\n\t\tmax_header_size 1KB\n\t}\n}\nhttp://127.0.0.1:8999 {\n}\n", "Caddyfile:2: servers"},
        // A missing directory is created, as Caddy does; one under a regular file cannot be.
        {"http://127.0.0.1:8999 {\n\tlog {\n\t\toutput file " + (tmp / "Caddyfile" / "x.log").string() + "\n\t}\n}\n",
         "Caddyfile:2: log output file"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.caddyfile);
        write_file(tmp / "Caddyfile", c.caddyfile);
        RunResult r = run_pogo({"run", "--config", (tmp / "Caddyfile").string()});
        CHECK(r.exit_code == 1);
        CHECK(r.err.find((tmp / c.expect).string()) != std::string::npos);
    }
    RunResult missing = run_pogo({"run", "--config", (tmp / "nope").string()});
    CHECK(missing.exit_code == 1);
    CHECK(missing.err.find("nope") != std::string::npos);
}

TEST_CASE("sites on two ports are two listeners; a catch-all beside named hosts") {
    TempDir tmp;
    int p1 = free_port(), p2 = free_port();
    write_file(tmp / "Caddyfile", R"({
	admin off
	servers {
		timeouts {
			idle 30s
		}
	}
}
http://127.0.0.1:{$P1}, http://named.localhost:{$P1} {
	respond "one {host}"
}
:{$P2} {
	header X-Port two
	respond "two {path}"
}
)");
    PogoProcess pogo({"run", "--config", (tmp / "Caddyfile").string()},
                     {"P1=" + std::to_string(p1), "P2=" + std::to_string(p2)});
    REQUIRE_MESSAGE(pogo.wait_listening(), pogo.describe());
    HttpClient client;
    const std::string one = "http://127.0.0.1:" + std::to_string(p1), two = "http://127.0.0.1:" + std::to_string(p2);
    Response r;
    CHECK(poll_until([&] { return client.get(two + "/x").status == 200; }));
    r = client.get(two + "/x");
    CHECK(r.body == "two /x");
    CHECK(r.header("X-Port") == "two");
    CHECK(client.get(one + "/").body == "one 127.0.0.1");
    CHECK(client.get(one + "/", {"Host: named.localhost"}).body == "one named.localhost");
    r = client.get(one + "/", {"Host: other.localhost"});  // no site for this host on this port
    CHECK(r.status == 200);
    CHECK(r.body.empty());
    CHECK(pogo.stop() == 0);
}
