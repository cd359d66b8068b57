// The Caddyfiles people deploy, run unchanged by `pogo run`: one test per shape of FrankenPHP's
// image Caddyfile, symfony-docker's (with its Mercure hub), API Platform's and three generations of Laravel Octane's
// stub (written here after their shapes, with the environment those projects set). Each runs on a
// tiny app in a temp dir (tests/e2e/php_app.h: a front controller that is also the worker script,
// a static asset) and checks what a deployment relies on: static files before PHP, unknown paths
// to the front controller, the worker answering (FRANKENPHP_WORKER), compression, log lines.
// HTTPS is another issue: sites are http:// or :PORT here.
#include <unistd.h>

#include "tests/e2e/common.h"
#include "tests/e2e/php_app.h"
#include "tests/support/gunzip.h"
#include "tests/support/unzstd.h"

using namespace e2e;
using pogo::test::gunzip;
using pogo::test::unzstd;
namespace fs = std::filesystem;

namespace {

// FrankenPHP's image: global options, the frankenphp block, extra config and the site's extra
// directives all come from the environment, each on a line of its own, empty by default.
const char* const kFrankenPhpImage = R"CF(# The shape of FrankenPHP's image Caddyfile.
{
	skip_install_trust

	{$CADDY_GLOBAL_OPTIONS}

	frankenphp {
		{$FRANKENPHP_CONFIG}
	}
}

{$CADDY_EXTRA_CONFIG}

{$SERVER_NAME:localhost} {
	root {$SERVER_ROOT:public/}
	encode zstd br gzip

	{$CADDY_SERVER_EXTRA_DIRECTIVES}

	php_server {
		#worker /path/to/your/worker.php
	}
}

import Caddyfile.d/*.caddyfile
)CF";

// symfony-docker: a global worker on the front controller whose block takes more lines from the
// environment, a filtered access log, the front-controller rewrite with `not file`, and PHP only
// for index.php (every other .php file hidden).
const char* const kSymfonyDocker = R"CF({
	skip_install_trust

	{$CADDY_GLOBAL_OPTIONS}

	frankenphp {
		{$FRANKENPHP_CONFIG}

		worker {
			file ./public/index.php
			env APP_RUNTIME Runtime\FrankenPhpSymfony\Runtime
			{$FRANKENPHP_WORKER_CONFIG}
		}
	}
}

{$CADDY_EXTRA_CONFIG}

{$SERVER_NAME:localhost} {
	log {
		{$CADDY_SERVER_LOG_OPTIONS}
		# Keep Mercure's authorization query parameter out of the logs
		format filter {
			request>uri query {
				replace authorization REDACTED
			}
		}
	}

	root {$APP_DIR}/public
	encode zstd br gzip

	mercure {
		# Publisher JWT key
		publisher_jwt {env.MERCURE_PUBLISHER_JWT_KEY} {env.MERCURE_PUBLISHER_JWT_ALG}
		# Subscriber JWT key
		subscriber_jwt {env.MERCURE_SUBSCRIBER_JWT_KEY} {env.MERCURE_SUBSCRIBER_JWT_ALG}
		# Allow anonymous subscribers (double-check that it's what you want)
		anonymous
		# Enable the subscription API (double-check that it's what you want)
		subscriptions
		# Extra directives
		{$MERCURE_EXTRA_DIRECTIVES}
	}

	vulcain

	{$CADDY_SERVER_EXTRA_DIRECTIVES}

	header ?Permissions-Policy "browsing-topics=()"

	@phpRoute {
		not path /.well-known/mercure*
		not file {path}
	}
	rewrite @phpRoute index.php

	@frontController path index.php
	php @frontController

	file_server {
		hide *.php
	}
}
)CF";

// API Platform: the worker comes from `FRANKENPHP_CONFIG="import worker.Caddyfile"`, php_server
// serves the API; the PWA matcher (an `expression`) would go to a reverse_proxy, answered here.
const char* const kApiPlatform = R"CF({
	skip_install_trust

	{$CADDY_GLOBAL_OPTIONS}

	frankenphp {
		{$FRANKENPHP_CONFIG}
	}
}

{$CADDY_EXTRA_CONFIG}

{$SERVER_NAME:localhost} {
	log {
		{$CADDY_SERVER_LOG_OPTIONS}
		format filter {
			request>uri query {
				replace authorization REDACTED
			}
		}
	}

	root {$APP_DIR}/public
	encode zstd br gzip

	mercure {
		# Publisher JWT key
		publisher_jwt {env.MERCURE_PUBLISHER_JWT_KEY} {env.MERCURE_PUBLISHER_JWT_ALG}
		# Subscriber JWT key
		subscriber_jwt {env.MERCURE_SUBSCRIBER_JWT_KEY} {env.MERCURE_SUBSCRIBER_JWT_ALG}
		# Allow anonymous subscribers (double-check that it's what you want)
		anonymous
		# Enable the subscription API (double-check that it's what you want)
		subscriptions
		# Extra directives
		{$MERCURE_EXTRA_DIRECTIVES}
	}

	vulcain

	header ?Link `</docs.jsonld>; rel="http://www.w3.org/ns/hydra/core#apiDocumentation"`
	header ?Permissions-Policy "browsing-topics=()"

	# Requests for the PWA's own files (the real template proxies them to Next.js)
	@pwa expression path('/favicon.ico', '/manifest.json', '/robots.txt', '/_next*', '/sitemap*')
	respond @pwa "pwa {path}"

	{$CADDY_SERVER_EXTRA_DIRECTIVES}

	php_server
}
)CF";

const char* const kApiPlatformWorker = R"CF(worker {
	file ./public/index.php
	env APP_RUNTIME Runtime\FrankenPhpSymfony\Runtime
}
)CF";

// Laravel Octane's first stub: a global worker with its count from the environment (empty: the
// default), a log filter in the older `wrap` + `fields` syntax, everything in a `route`.
const char* const kOctane2023 = R"CF({
	{$CADDY_GLOBAL_OPTIONS}

	admin {$CADDY_SERVER_ADMIN_HOST}:{$CADDY_SERVER_ADMIN_PORT}

	frankenphp {
		worker "{$APP_PUBLIC_PATH}/frankenphp-worker.php" {$CADDY_SERVER_WORKER_COUNT}
	}
}

{$CADDY_SERVER_SERVER_NAME} {
	log {
		level {$CADDY_SERVER_LOG_LEVEL}

		format filter {
			wrap {$CADDY_SERVER_LOGGER}
			fields {
				uri query {
					replace authorization REDACTED
				}
			}
		}
	}

	route {
		root * "{$APP_PUBLIC_PATH}"
		encode zstd br gzip

		{$CADDY_SERVER_EXTRA_DIRECTIVES}

		php_server {
			index frankenphp-worker.php
			try_files {path} frankenphp-worker.php
			resolve_root_symlink
		}
	}
}
)CF";

// Octane's later stub: the worker block takes whole lines from the environment (with a space
// after them, as the stub has), static files only through file_server @static, error pages.
const char* const kOctane2025 = "{\n\t{$CADDY_GLOBAL_OPTIONS}\n\n"
                                "\tadmin {$CADDY_SERVER_ADMIN_HOST}:{$CADDY_SERVER_ADMIN_PORT}\n\n"
                                "\tfrankenphp {\n\t\tworker {\n"
                                "\t\t\tfile \"{$APP_PUBLIC_PATH}/frankenphp-worker.php\" \n"
                                "\t\t\t{$CADDY_SERVER_WORKER_DIRECTIVE} \n"
                                "\t\t\t{$CADDY_SERVER_WATCH_DIRECTIVES}\n"
                                "\t\t}\n\t}\n}\n\n"
                                "{$CADDY_EXTRA_CONFIG} \n\n"
                                R"CF({$CADDY_SERVER_SERVER_NAME} {
	log {
		level {$CADDY_SERVER_LOG_LEVEL}
		format filter {
			wrap {$CADDY_SERVER_LOGGER}
			fields {
				uri query {
					replace authorization REDACTED
				}
			}
		}
	}

	route {
		root * "{$APP_PUBLIC_PATH}"
		encode zstd br gzip

		{$CADDY_SERVER_EXTRA_DIRECTIVES}

		@static {
			path *.css *.js *.ico *.png *.svg *.txt *.json
		}
		file_server @static

		php_server {
			index frankenphp-worker.php
			try_files {path} frankenphp-worker.php
			resolve_root_symlink
		}
	}

	handle_errors {
		respond "{err.status_code} {err.status_text}" {err.status_code}
	}
}
)CF";

// A site-level worker in php_server taking every path (`match *`), the log as JSON in a file.
const char* const kOctaneSiteWorker = R"CF({
	{$CADDY_GLOBAL_OPTIONS}

	admin {$CADDY_SERVER_ADMIN_HOST}:{$CADDY_SERVER_ADMIN_PORT}
}

{$CADDY_SERVER_SERVER_NAME} {
	log {
		level {$CADDY_SERVER_LOG_LEVEL}
		output file {$ACCESS_LOG}
		format json
	}

	route {
		root * "{$APP_PUBLIC_PATH}"
		encode zstd br gzip

		{$CADDY_SERVER_EXTRA_DIRECTIVES}

		php_server {
			index frankenphp-worker.php
			try_files {path} frankenphp-worker.php
			resolve_root_symlink
			worker {
				file "{$APP_PUBLIC_PATH}/frankenphp-worker.php"
				{$CADDY_SERVER_WORKER_DIRECTIVE}
				match *
			}
		}
	}
}
)CF";

// The app: public/index.php (front controller and worker script), another script, assets.
void write_app(const fs::path& root) {
    write_report_scripts(root, {"public/index.php", "public/other.php"});
    write_file(root / "public/style.css", "body{color:red}\n");
    write_file(root / "public/app.js", std::string(2000, 'x'));  // big enough to compress
}

// `pogo run --config Caddyfile` in `dir` with `env`, waited until it listens.
std::unique_ptr<PogoProcess> start_in(const fs::path& dir, std::vector<std::string> env) {
    fs::current_path(dir);
    auto pogo = std::make_unique<PogoProcess>(std::vector<std::string>{"run", "--config", "Caddyfile"}, std::move(env));
    REQUIRE_MESSAGE(pogo->wait_listening(), pogo->describe());
    return pogo;
}

std::string base(int port) { return "http://127.0.0.1:" + std::to_string(port); }

// True once the admin API's /metrics holds `line`: every worker thread may not have booted yet
// when the first requests are answered (slow under sanitizers), so poll.
bool metrics_show(HttpClient& client, int admin_port, const std::string& line) {
    std::string last;
    bool ok = poll_until([&] {
        last = client.get(base(admin_port) + "/metrics").body;
        return last.find(line) != std::string::npos;
    });
    if (!ok) MESSAGE("metrics without " << line << ":\n" << last);
    return ok;
}

json get_json(HttpClient& client, const std::string& url, std::vector<std::string> headers = {}) {
    Response r = client.get(url, std::move(headers));
    INFO(r.describe());
    REQUIRE(r.status == 200);
    return body_json(r);
}

// gzip and zstd where the client accepts them, for a compressible PHP answer and a static file.
void check_compression(HttpClient& client, const std::string& site, const fs::path& public_dir) {
    Response r = client.get(site + "/?pad=400", {"Accept-Encoding: gzip"});
    CHECK(r.header("Content-Encoding") == "gzip");
    std::string vary;  // encode's, beside vulcain's where it runs
    for (const std::string& v : r.headers_named("Vary")) vary += v + ",";
    CHECK(vary.find("Accept-Encoding") != std::string::npos);
    CHECK(json::parse(gunzip(r.body))["pad"].get<std::string>().size() == 2000);
    r = client.get(site + "/app.js", {"Accept-Encoding: zstd"});
    CHECK(r.header("Content-Encoding") == "zstd");
    CHECK(unzstd(r.body) == read_file(public_dir / "app.js"));
}

}  // namespace

TEST_CASE("FrankenPHP's image Caddyfile with its variables empty: php_server, static files, encode") {
    TempDir dir;
    write_app(dir.path());
    write_file(dir / "Caddyfile", kFrankenPhpImage);
    int port = free_port();
    auto pogo = start_in(dir.path(), {"SERVER_NAME=http://127.0.0.1:" + std::to_string(port)});
    HttpClient client;
    const std::string site = base(port);

    json j = get_json(client, site + "/");
    CHECK(j["script"] == "/index.php");
    CHECK(j["worker"].is_null());  // no worker configured: classic mode
    j = get_json(client, site + "/blog/hello?x=1");
    CHECK(j["file"] == "index.php");
    CHECK(j["uri"] == "/blog/hello?x=1");
    CHECK(get_json(client, site + "/other.php")["file"] == "other.php");
    Response r = client.get(site + "/style.css");
    CHECK(r.status == 200);
    CHECK(r.body == "body{color:red}\n");
    CHECK(r.header("Content-Type").find("text/css") == 0);
    check_compression(client, site, dir / "public");
    CHECK(pogo->stop() == 0);
}

TEST_CASE("FrankenPHP's image Caddyfile with its variables set: a worker, extra config, an imported site") {
    TempDir dir;
    write_app(dir.path());
    write_file(dir / "Caddyfile", kFrankenPhpImage);
    int port = free_port(), extra_port = free_port(), imported_port = free_port(), admin_port = free_port();
    write_file(dir / "Caddyfile.d/more.caddyfile",
               "http://127.0.0.1:" + std::to_string(imported_port) + " {\n\trespond \"imported site\"\n}\n");
    write_file(dir / "Caddyfile.d/ignored.txt", "not a caddyfile {");
    auto pogo = start_in(
        dir.path(),
        {"SERVER_NAME=:" + std::to_string(port),  // a port-only address
         "FRANKENPHP_CONFIG=worker ./public/index.php 1",
         "CADDY_GLOBAL_OPTIONS=admin 127.0.0.1:" + std::to_string(admin_port),
         "CADDY_EXTRA_CONFIG=http://127.0.0.1:" + std::to_string(extra_port) + " {\n\trespond \"extra site\"\n}",
         "CADDY_SERVER_EXTRA_DIRECTIVES=header X-Extra yes\nheader X-Second \"two words\""});
    HttpClient client;
    const std::string site = base(port);

    json j = get_json(client, site + "/");
    CHECK(j["worker"] == "1");
    CHECK(j["script"] == "/index.php");
    int first = j["n"].get<int>();
    j = get_json(client, site + "/blog/hello");  // the front controller is the worker
    CHECK(j["worker"] == "1");
    CHECK(j["n"] == first + 1);
    CHECK(j["uri"] == "/blog/hello");
    CHECK(get_json(client, site + "/other.php")["worker"].is_null());
    Response r = client.get(site + "/style.css");
    CHECK(r.body == "body{color:red}\n");
    CHECK(r.header("X-Extra") == "yes");
    CHECK(r.header("X-Second") == "two words");
    CHECK(client.get(base(extra_port) + "/").body == "extra site");
    CHECK(client.get(base(imported_port) + "/").body == "imported site");
    // The worker's default name is its file's absolute path.
    CHECK(metrics_show(client, admin_port, "frankenphp_total_workers{worker=\"" +
                                               fs::canonical(dir / "public/index.php").string() + "\"} 1"));
    CHECK(pogo->stop() == 0);
}

TEST_CASE("symfony-docker's Caddyfile: global worker, not-file rewrite to the front controller, hidden PHP") {
    TempDir dir;
    write_app(dir.path());
    write_file(dir / "Caddyfile", kSymfonyDocker);
    int port = free_port();
    const fs::path log = dir / "access.log";
    // Compose sets SERVER_NAME to "localhost, php:80"; auto_https off keeps them on plain HTTP here.
    auto pogo = start_in(dir.path(), {"SERVER_NAME=127.0.0.1:" + std::to_string(port) + ", php:" + std::to_string(port),
                                      "CADDY_GLOBAL_OPTIONS=auto_https off", "APP_DIR=" + dir.path().string(),
                                      "FRANKENPHP_WORKER_CONFIG=num 1", "CADDY_SERVER_LOG_OPTIONS=output file " + log.string(),
                                      "MERCURE_PUBLISHER_JWT_KEY=!ChangeThisMercureHubJWTSecretKey!",
                                      "MERCURE_SUBSCRIBER_JWT_KEY=!ChangeThisMercureHubJWTSecretKey!"});
    HttpClient client;
    const std::string site = base(port);

    // Unknown paths are rewritten to index.php, which the worker serves.
    json j = get_json(client, site + "/products/42?authorization=secret-token");
    CHECK(j["worker"] == "1");
    CHECK(j["runtime"] == "Runtime\\FrankenPhpSymfony\\Runtime");
    CHECK(j["script"] == "/index.php");
    CHECK(j["uri"] == "/products/42?authorization=secret-token");
    int n = j["n"].get<int>();
    Response r = client.get(site + "/cart");
    CHECK(body_json(r)["n"] == n + 1);
    CHECK(r.header("Permissions-Policy") == "browsing-topics=()");
    // index.php itself exists, so it is not rewritten, and `path index.php` only matches the
    // rewritten path (Caddy keeps a rewrite's relative target as written): hidden, as in Caddy.
    CHECK(client.get(site + "/index.php").status == 404);
    // The second address of the site.
    r = client.get(site + "/products", {"Host: php:" + std::to_string(port)});
    CHECK(body_json(r)["worker"] == "1");
    // Files exist: not rewritten. Assets are served; other PHP files are hidden, never run.
    r = client.get(site + "/style.css");
    CHECK(r.status == 200);
    CHECK(r.body == "body{color:red}\n");
    CHECK(client.get(site + "/other.php").status == 404);
    // Mercure's path is the hub's (the rewrite leaves it alone): an anonymous subscription opens.
    r = client.head(site + "/.well-known/mercure?topic=x");
    CHECK(r.status == 200);
    CHECK(r.header("Content-Type") == "text/event-stream");
    CHECK(client.get(site + "/.well-known/mercure").status == 400);  // no topic
    check_compression(client, site, dir / "public");

    std::string text;
    CHECK(poll_until([&] {
        text = read_file(log);
        return text.find("/products/42") != std::string::npos;
    }));
    CHECK(text.find("authorization=REDACTED") != std::string::npos);
    CHECK(text.find("secret-token") == std::string::npos);
    CHECK(pogo->stop() == 0);
}

TEST_CASE("API Platform's Caddyfile: worker imported through FRANKENPHP_CONFIG, PWA matcher, php_server") {
    TempDir dir;
    write_app(dir.path());
    write_file(dir / "Caddyfile", kApiPlatform);
    write_file(dir / "worker.Caddyfile", kApiPlatformWorker);
    int port = free_port();
    auto pogo = start_in(dir.path(), {"SERVER_NAME=http://127.0.0.1:" + std::to_string(port),
                                      "APP_DIR=" + dir.path().string(), "FRANKENPHP_CONFIG=import worker.Caddyfile",
                                      "MERCURE_PUBLISHER_JWT_KEY=!ChangeThisMercureHubJWTSecretKey!",
                                      "MERCURE_SUBSCRIBER_JWT_KEY=!ChangeThisMercureHubJWTSecretKey!"});
    HttpClient client;
    const std::string site = base(port);

    Response r = client.get(site + "/books/1", {"Accept: application/ld+json"});
    json j = body_json(r);
    CHECK(j["worker"] == "1");
    CHECK(j["runtime"] == "Runtime\\FrankenPhpSymfony\\Runtime");
    CHECK(j["uri"] == "/books/1");
    CHECK(r.header("Link") == "</docs.jsonld>; rel=\"http://www.w3.org/ns/hydra/core#apiDocumentation\"");
    CHECK(r.header("Permissions-Policy") == "browsing-topics=()");
    CHECK(client.get(site + "/robots.txt").body == "pwa /robots.txt");
    CHECK(client.get(site + "/_next/static/chunk.js").body == "pwa /_next/static/chunk.js");
    CHECK(client.get(site + "/style.css").body == "body{color:red}\n");
    CHECK(get_json(client, site + "/other.php")["worker"].is_null());
    check_compression(client, site, dir / "public");
    CHECK(pogo->stop() == 0);
}

TEST_CASE("Laravel Octane's first stub: worker count from the environment, symlinked public path, JSON log") {
    TempDir dir;
    // A deployment layout: the public path is reached through a symbolic link (the stub's
    // resolve_root_symlink); the worker is the front controller.
    write_report_scripts(dir / "releases/1/public", {"frankenphp-worker.php"});
    write_file(dir / "releases/1/public/style.css", "body{color:red}\n");
    write_file(dir / "releases/1/public/app.js", std::string(2000, 'x'));
    fs::create_directory_symlink(dir / "releases/1", dir / "current");
    write_file(dir / "Caddyfile", kOctane2023);
    int port = free_port(), admin_port = free_port();
    const std::string public_path = (dir / "current/public").string();
    auto pogo = start_in(dir.path(), {"CADDY_SERVER_SERVER_NAME=http://127.0.0.1:" + std::to_string(port),
                                      "CADDY_SERVER_ADMIN_HOST=127.0.0.1",
                                      "CADDY_SERVER_ADMIN_PORT=" + std::to_string(admin_port),
                                      "APP_PUBLIC_PATH=" + public_path, "CADDY_SERVER_WORKER_COUNT=",
                                      "CADDY_SERVER_LOG_LEVEL=INFO", "CADDY_SERVER_LOGGER=json",
                                      "CADDY_SERVER_EXTRA_DIRECTIVES="});
    HttpClient client;
    const std::string site = base(port);

    json j = get_json(client, site + "/dashboard?authorization=abc123");
    CHECK(j["worker"] == "1");
    CHECK(j["script"] == "/frankenphp-worker.php");
    CHECK(j["filename"] == fs::canonical(public_path + "/frankenphp-worker.php").string());
    CHECK(get_json(client, site + "/")["worker"] == "1");
    CHECK(client.get(site + "/style.css").body == "body{color:red}\n");
    check_compression(client, site, public_path);
    CHECK(client.get(base(admin_port) + "/metrics").status == 200);
    // The access log goes to stderr as JSON. The stub's filter names the field `uri`, which no
    // access-log field is (Caddy's is `request>uri`): as in Caddy, nothing is redacted.
    CHECK(pogo->wait_stderr("\"uri\":\"/dashboard?authorization=abc123\""));
    CHECK(pogo->stderr_text().find("\"logger\":\"http.log.access.log0\"") != std::string::npos);
    CHECK(pogo->stop() == 0);
}

TEST_CASE("Laravel Octane's later stub: worker lines from the environment, file_server @static, error pages") {
    TempDir dir;
    // A public path with a space in it: the stub quotes "{$APP_PUBLIC_PATH}" for that.
    const fs::path app = dir / "my app";
    write_report_scripts(app / "public", {"frankenphp-worker.php"});
    write_file(app / "public/style.css", "body{color:red}\n");
    write_file(app / "public/app.js", std::string(2000, 'x'));
    write_file(dir / "Caddyfile", kOctane2025);
    int port = free_port(), admin_port = free_port();
    auto pogo = start_in(dir.path(), {"CADDY_SERVER_SERVER_NAME=http://127.0.0.1:" + std::to_string(port),
                                      "CADDY_SERVER_ADMIN_HOST=127.0.0.1",
                                      "CADDY_SERVER_ADMIN_PORT=" + std::to_string(admin_port),
                                      "APP_PUBLIC_PATH=" + (app / "public").string(),
                                      "CADDY_SERVER_WORKER_DIRECTIVE=num 2", "CADDY_SERVER_LOG_LEVEL=WARN",
                                      "CADDY_SERVER_LOGGER=json"});
    HttpClient client;
    const std::string site = base(port);

    json j = get_json(client, site + "/users/7");
    CHECK(j["worker"] == "1");
    CHECK(j["uri"] == "/users/7");
    CHECK(client.get(site + "/style.css").body == "body{color:red}\n");
    // A missing asset stops at file_server @static, answered by the error page.
    Response r = client.get(site + "/missing.css");
    CHECK(r.status == 404);
    CHECK(r.body == "404 Not Found");
    check_compression(client, site, app / "public");
    CHECK(metrics_show(client, admin_port, "frankenphp_total_workers{worker=\"" +
                                               fs::canonical(app / "public/frankenphp-worker.php").string() + "\"} 2"));
    CHECK(pogo->stop() == 0);
}

TEST_CASE("Laravel Octane with a php_server worker and match *: every path but files to the worker, JSON log") {
    TempDir dir;
    write_report_scripts(dir / "public", {"frankenphp-worker.php"});
    write_file(dir / "public/style.css", "body{color:red}\n");
    write_file(dir / "public/app.js", std::string(2000, 'x'));
    write_file(dir / "Caddyfile", kOctaneSiteWorker);
    int port = free_port(), admin_port = free_port();
    const fs::path log = dir / "logs/access.log";
    auto pogo = start_in(dir.path(), {"CADDY_SERVER_SERVER_NAME=http://127.0.0.1:" + std::to_string(port),
                                      "CADDY_SERVER_ADMIN_HOST=127.0.0.1",
                                      "CADDY_SERVER_ADMIN_PORT=" + std::to_string(admin_port),
                                      "APP_PUBLIC_PATH=" + (dir / "public").string(),
                                      "CADDY_SERVER_WORKER_DIRECTIVE=num 1", "CADDY_SERVER_LOG_LEVEL=INFO",
                                      "ACCESS_LOG=" + log.string()});
    HttpClient client;
    const std::string site = base(port);

    json j = get_json(client, site + "/users/7");
    CHECK(j["worker"] == "1");
    CHECK(j["n"] == 1);
    CHECK(j["script"] == "/frankenphp-worker.php");
    CHECK(get_json(client, site + "/frankenphp-worker.php")["n"] == 2);
    CHECK(get_json(client, site + "/")["n"] == 3);
    CHECK(client.get(site + "/style.css").body == "body{color:red}\n");
    check_compression(client, site, dir / "public");

    std::string text;
    CHECK(poll_until([&] {
        text = read_file(log);
        return text.find("/users/7") != std::string::npos;
    }));
    json line = json::parse(lines_of(text).front());
    CHECK(line["msg"] == "handled request");
    CHECK(line["request"]["uri"] == "/users/7");
    CHECK(line["status"] == 200);
    CHECK(pogo->stop() == 0);
}
