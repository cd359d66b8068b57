// Matchers and request/response header operations through `pogo run`, over real HTTP: every form of
// the expression matcher (placeholders, comparisons, &&/||/!, in, string methods, Caddy's matcher
// functions, the `@name "..."` shorthand, inside `not`), the vars directive with the vars and
// vars_regexp matchers, request_header as PHP sees it, and the header operators (?, -, +, >,
// regexp replace) on the responses. An unsupported CEL function stops start-up with file:line.
#include "tests/e2e/common.h"

using namespace e2e;
namespace fs = std::filesystem;

namespace {

const char* const kSite = R"CF(
	vars tier gold
	vars /vip/* level platinum
	vars who {header.X-Who}
	vars alt ALT
	request_header X-From-Pogo yes
	request_header -X-Drop
	request_header X-Version ^v([0-9]+)$ version-$1
	header ?X-Default fallback
	header -X-Secret
	header +X-Multi one
	header +X-Multi two
	header >X-Deferred late
	header Location `^http://example[.]com(.*)$` https://example.org$1
	header {
		X-Backend node-(?P<n>[0-9]+) n${n}
		defer
	}

	@api expression `{path}.startsWith("/api") && method('GET')`
	@debug "{header.X-Debug} == '1' || query({'debug': 'yes'})"
	@notget {
		path /np
		not expression method('GET', 'HEAD')
	}
	@typed expression {query.n} >= 10 && {query.n} < 20
	@color expression `{query.c} in ['red', 'green', 'blue'] && !{query.c}.endsWith('d')`
	@item expression `{path}.matches('^/item/[0-9]+$') && path_regexp('item', '^/item/([0-9]+)$')`
	@token expression `header({'Accept': '*json*'}) && header_regexp('tok', 'Authorization', '^Bearer (.+)$')`
	@local expression `path('/local') && remote_ip('127.0.0.0/8', '::1') && client_ip('127.0.0.1', '::1') && protocol('http') && host('localhost')`
	@static expression file({'try_files': ['{path}.txt']})
	@platinum expression `vars({'level': 'platinum'}) && {vars.level} == 'platinum'`
	@gold {
		path /gold
		vars tier gold
	}
	@admin vars_regexp adm who ^(adm)in$
	@script {
		path /dl/*
		file {
			root {vars.alt}
			try_files {path} {path}.php
			try_policy first_exist
			split_path .php
		}
	}
	route {
		respond @api "api {path}"
		respond @debug "debug"
		respond @notget "not get"
		respond @typed "typed {query.n}"
		respond @color "color {query.c}"
		respond @item "item {re.item.1}"
		respond @token "token {re.tok.1}"
		respond @local "local"
		respond @static "static {file_match.relative}"
		respond @platinum "platinum"
		respond @gold "gold {vars.tier}"
		respond @admin "admin {re.adm.1}"
		respond @script "script {file_match.relative} rest {file_match.remainder} type {file_match.type}"
	}
	php_server
}
)CF";

std::unique_ptr<PogoProcess> start_site(const TempDir& dir) {
    write_file(dir / "site/readme.txt", "read me\n");
    write_file(dir / "alt/dl/tool.php", "<?php\n");
    write_file(dir / "site/headers.php", R"(<?php
header('X-Default: from-php');
header('X-Secret: hidden');
header('X-Backend: php-node-7');
echo json_encode([
    'from' => $_SERVER['HTTP_X_FROM_POGO'] ?? null,
    'drop' => $_SERVER['HTTP_X_DROP'] ?? null,
    'version' => $_SERVER['HTTP_X_VERSION'] ?? null,
]);
)");
    write_file(dir / "site/redirect.php", "<?php\nheader('Location: http://example.com/next?a=1', true, 302);\n");
    std::string site = kSite;
    site.replace(site.find("ALT"), 3, (dir / "alt").string());
    write_file(dir / "Caddyfile", "{\n\tadmin off\n\tauto_https off\n}\n:{$PORT} {\n\troot * " + (dir / "site").string() +
                                      site);
    auto pogo = std::make_unique<PogoProcess>(std::vector<std::string>{"run", "--config", (dir / "Caddyfile").string()},
                                              std::vector<std::string>{"PORT=" + std::to_string(free_port())});
    REQUIRE_MESSAGE(pogo->wait_listening(), pogo->describe());
    return pogo;
}

}  // namespace

TEST_CASE("expression matcher: every form decides real requests") {
    TempDir dir;
    auto pogo = start_site(dir);
    HttpClient client;
    // What answered: a route's body, or php_server's 404 when no matcher matched.
    auto body = [&](const std::string& path, std::vector<std::string> headers = {}) {
        return client.get(pogo->url(path), std::move(headers)).body;
    };

    CHECK(body("/api/users") == "api /api/users");
    CHECK(body("/other", {"X-Debug: 1"}) == "debug");           // the @name "..." shorthand
    CHECK(body("/other?debug=yes") == "debug");                  // || with query()
    CHECK(body("/typed?n=12") == "typed 12");                    // a placeholder against integers
    CHECK(body("/typed?n=25").find("typed") == std::string::npos);
    CHECK(body("/c?c=green") == "color green");                  // in, !, endsWith
    CHECK(body("/c?c=red").find("color") == std::string::npos);
    CHECK(body("/c?c=pink").find("color") == std::string::npos);
    CHECK(body("/item/42") == "item 42");                        // matches() and path_regexp's capture
    CHECK(body("/item/4x").find("item") == std::string::npos);
    CHECK(body("/t", {"Accept: application/json", "Authorization: Bearer s3cret"}) == "token s3cret");
    CHECK(body("/t", {"Accept: text/html", "Authorization: Bearer s3cret"}).find("token") == std::string::npos);
    CHECK(body("/local", {"Host: localhost"}) == "local");       // remote_ip, client_ip, protocol, host
    CHECK(body("/local", {"Host: example.com"}) != "local");
    CHECK(body("/readme") == "static /readme.txt");              // file()

    Response post = client.post_raw(pogo->url("/np"), "x", "text/plain");  // `not expression` in a block
    INFO(post.describe());
    CHECK(post.body == "not get");
    Response api_post = client.post_raw(pogo->url("/api/users"), "x", "text/plain");
    CHECK(api_post.body != "api /api/users");  // method('GET') failed: no route answers
    CHECK(body("/np").find("not get") == std::string::npos);
    CHECK(pogo->stop() == 0);
}

TEST_CASE("vars directive with the vars and vars_regexp matchers") {
    TempDir dir;
    auto pogo = start_site(dir);
    HttpClient client;
    CHECK(client.get(pogo->url("/gold")).body == "gold gold");
    CHECK(client.get(pogo->url("/vip/lounge")).body == "platinum");  // vars set by a matched vars directive
    CHECK(client.get(pogo->url("/lounge")).body != "platinum");
    CHECK(client.get(pogo->url("/x"), {"X-Who: admin"}).body == "admin adm");  // vars with a placeholder, vars_regexp
    CHECK(client.get(pogo->url("/x"), {"X-Who: administrator"}).body != "admin adm");
    // the file matcher: its own root (a placeholder), try_files, split_path, {file_match.*}
    CHECK(client.get(pogo->url("/dl/tool.php/extra/path")).body == "script /dl/tool.php rest /extra/path type file");
    CHECK(client.get(pogo->url("/dl/tool")).body == "script /dl/tool.php rest  type file");
    CHECK(client.get(pogo->url("/dl/none.php/x")).body.find("script") == std::string::npos);
    CHECK(pogo->stop() == 0);
}

TEST_CASE("request_header reaches PHP; header operators shape the responses") {
    TempDir dir;
    auto pogo = start_site(dir);
    HttpClient client;

    Response php = client.get(pogo->url("/headers.php"), {"X-Drop: please", "X-Version: v12", "X-From-Pogo: client"});
    INFO(php.describe());
    REQUIRE(php.status == 200);
    json seen = body_json(php);
    CHECK(seen["from"] == "yes");           // set replaces what the client sent
    CHECK(seen["drop"].is_null());          // -X-Drop
    CHECK(seen["version"] == "version-12");  // regexp replace with a group
    CHECK(php.header("X-Default") == "from-php");  // ?: only when the response has none
    CHECK_FALSE(php.has_header("X-Secret"));       // -: removes what PHP set
    CHECK(php.headers_named("X-Multi") == std::vector<std::string>{"one", "two"});
    CHECK(php.header("X-Deferred") == "late");
    CHECK(php.header("X-Backend") == "php-n7");  // the block form, a named group

    Response gold = client.get(pogo->url("/gold"));
    CHECK(gold.header("X-Default") == "fallback");
    CHECK(gold.header("X-Deferred") == "late");

    Response redirect = client.get(pogo->url("/redirect.php"));
    INFO(redirect.describe());
    CHECK(redirect.status == 302);
    CHECK(redirect.header("Location") == "https://example.org/next?a=1");  // regexp replace on a response header
    CHECK(pogo->stop() == 0);
}

TEST_CASE("expression matcher: an unsupported CEL function is refused with file:line, and pogo adapt keeps the text") {
    TempDir dir;
    write_file(dir / "Caddyfile", "{\n\tadmin off\n}\n:8080 {\n\t@ok expression `{path}.startsWith('/a') || method('POST')`\n"
                                  "\t@bad expression {path}.exists(p, p == 'x')\n\trespond @ok 200\n}\n");
    for (const char* command : {"validate", "run"}) {
        CAPTURE(command);
        RunResult r = run_pogo({command, "--config", (dir / "Caddyfile").string()});
        CHECK(r.exit_code == 1);
        CHECK(r.err.find("Caddyfile:6: expression matcher: unsupported function \"exists\"") != std::string::npos);
    }

    write_file(dir / "Caddyfile", "{\n\tadmin off\n}\n:8080 {\n\t@ok expression `{path}.startsWith('/a') || method('POST')`\n"
                                  "\trespond @ok 200\n}\n");
    RunResult adapted = run_pogo({"adapt", "--config", (dir / "Caddyfile").string()});
    INFO(adapted.err);
    REQUIRE(adapted.exit_code == 0);
    json j = json::parse(adapted.out);
    CHECK(j["sites"][0]["matchers"]["ok"]["expression"] == "{path}.startsWith('/a') || method('POST')");
}
