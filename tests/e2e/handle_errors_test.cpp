// handle_errors and the error directive through `pogo run`: every source of a handler error (the
// error directive, file_server's 404, a body over request_body's max_size, a PHP script that died
// before its first output, a request that waited past max_wait_time) answered by the site's
// handle_errors routes, specific codes before classes before the catch-all, with the {err.*}
// placeholders; a script's own 404 or 500 passes through; an error inside handle_errors is
// answered plainly instead of looping.
#include <cctype>
#include <thread>

#include "tests/e2e/common.h"

using namespace e2e;
namespace fs = std::filesystem;

namespace {

// `pogo run` with `caddyfile` (its site address written as :{$PORT}), from `dir`.
std::unique_ptr<PogoProcess> start_run(const TempDir& dir, const std::string& caddyfile) {
    int port = free_port();
    write_file(dir / "Caddyfile", caddyfile);
    auto pogo = std::make_unique<PogoProcess>(std::vector<std::string>{"run", "--config", (dir / "Caddyfile").string()},
                                              std::vector<std::string>{"PORT=" + std::to_string(port)});
    REQUIRE_MESSAGE(pogo->wait_listening(), pogo->describe());
    return pogo;
}

const char* const kHeader = "{\n\tadmin off\n\tauto_https off\n}\n";

bool is_error_id(const std::string& id) {
    if (id.size() != 9) return false;
    for (char c : id)
        if (!std::isalnum(static_cast<unsigned char>(c))) return false;
    return true;
}

}  // namespace

TEST_CASE("handle_errors: error directive and file_server 404, specific codes before classes before the catch-all") {
    TempDir dir;
    write_file(dir / "site/index.html", "home\n");
    write_file(dir / "site/errors/404.html", "<h1>custom not found</h1>\n");
    write_file(dir / "site/errors/410.html", "<h1>custom gone</h1>\n");
    auto pogo = start_run(dir, std::string(kHeader) + ":{$PORT} {\n\troot * " + (dir / "site").string() + R"(
	error /teapot "short and stout" 418
	error /gone "Gone for good" 410
	error /boom "it broke" 500
	error /down 503
	error /forbidden {
		message "keep out"
		status 403
	}
	file_server
	handle_errors 5xx {
		header X-Error-Id {err.id}
		respond "{err.status_code} {err.status_text}: {err.message}"
	}
	handle_errors {
		respond "Oops {err.status_code} at {path}"
	}
	handle_errors 503 {
		respond "specific 503" 599
	}
	handle_errors 404 410 {
		rewrite * /errors/{err.status_code}.html
		file_server
	}
}
)");
    HttpClient client;

    Response home = client.get(pogo->url("/index.html"));
    INFO(home.describe());
    CHECK(home.status == 200);
    CHECK(home.body == "home\n");

    // file_server's 404, rendered by the 404/410 block through rewrite + file_server: the page
    // comes with the error's status.
    Response missing = client.get(pogo->url("/no/such/file.txt"));
    INFO(missing.describe());
    CHECK(missing.status == 404);
    CHECK(missing.body == "<h1>custom not found</h1>\n");
    CHECK(missing.header("Content-Type").starts_with("text/html"));

    Response gone = client.get(pogo->url("/gone"));
    INFO(gone.describe());
    CHECK(gone.status == 410);
    CHECK(gone.body == "<h1>custom gone</h1>\n");

    // 418 and 403 match no code and no class: the catch-all, which keeps the error's status.
    Response teapot = client.get(pogo->url("/teapot"));
    INFO(teapot.describe());
    CHECK(teapot.status == 418);
    CHECK(teapot.body == "Oops 418 at /teapot");
    Response forbidden = client.get(pogo->url("/forbidden"));
    CHECK(forbidden.status == 403);
    CHECK(forbidden.body == "Oops 403 at /forbidden");

    // The class, with every placeholder; each error gets its own id.
    Response boom = client.get(pogo->url("/boom"));
    INFO(boom.describe());
    CHECK(boom.status == 500);
    CHECK(boom.body == "500 Internal Server Error: it broke");
    CHECK(is_error_id(boom.header("X-Error-Id")));
    Response boom2 = client.get(pogo->url("/boom"));
    CHECK(is_error_id(boom2.header("X-Error-Id")));
    CHECK(boom2.header("X-Error-Id") != boom.header("X-Error-Id"));

    // 503 has a block of its own, written after the 5xx one: the specific code wins, and its
    // respond sets its own status.
    Response down = client.get(pogo->url("/down"));
    INFO(down.describe());
    CHECK(down.status == 599);
    CHECK(down.body == "specific 503");
    CHECK(!down.has_header("X-Error-Id"));
}

TEST_CASE("handle_errors: without a matching block the response is as before; errors inside it do not loop") {
    TempDir dir;
    write_file(dir / "site/index.html", "home\n");
    auto pogo = start_run(dir, std::string(kHeader) + ":{$PORT} {\n\troot * " + (dir / "site").string() + R"(
	error /teapot "short and stout" 418
	error /boom "it broke" 500
	file_server
	handle_errors 404 {
		rewrite * /errors/missing-page.html
		file_server
	}
	handle_errors 500 {
		error "again" 502
	}
}
)");
    HttpClient client;
    // No block handles 418: the error directive's bare status, as without handle_errors.
    Response teapot = client.get(pogo->url("/teapot"));
    INFO(teapot.describe());
    CHECK(teapot.status == 418);
    CHECK(teapot.body.empty());
    // The 404 page is missing too: the second 404 is answered plainly.
    Response missing = client.get(pogo->url("/nope.txt"));
    INFO(missing.describe());
    CHECK(missing.status == 404);
    CHECK(missing.body == "404 Not Found\n");
    // An error directive inside handle_errors: its own status, bare, and no second round.
    Response boom = client.get(pogo->url("/boom"));
    INFO(boom.describe());
    CHECK(boom.status == 502);
    CHECK(boom.body.empty());
    CHECK(client.get(pogo->url("/index.html")).body == "home\n");
}

TEST_CASE("handle_errors: a body over request_body max_size (413)") {
    TempDir dir;
    auto pogo = start_run(dir, std::string(kHeader) + ":{$PORT} {\n\troot * " + app_root().string() + R"(
	request_body {
		max_size 10
	}
	php_server
	handle_errors 413 {
		respond "too big: {err.message}"
	}
}
)");
    HttpClient client;
    Response small = client.post_raw(pogo->url("/echo.php"), "tiny", "text/plain");
    INFO(small.describe());
    CHECK(small.status == 200);

    // Refused from its Content-Length, before PHP sees it.
    HttpClient big_client;
    Response big = big_client.post_raw(pogo->url("/echo.php"), std::string(100, 'x'), "text/plain");
    INFO(big.describe());
    CHECK(big.status == 413);
    CHECK(big.body == "too big: request body too large");

    // Without a Content-Length the limit is found while the body arrives.
    HttpClient chunked_client;
    Request r;
    r.method = "POST";
    r.url = pogo->url("/echo.php");
    r.body = std::string(5000, 'y');
    r.has_body = true;
    r.headers = {"Transfer-Encoding: chunked", "Content-Type: text/plain"};
    Response chunked = chunked_client.perform(r);
    INFO(chunked.describe());
    CHECK(chunked.status == 413);
    CHECK(chunked.body == "too big: request body too large");
}

TEST_CASE("handle_errors: a PHP fatal error before any output gets the custom 500 page; a script's own status passes") {
    TempDir dir;
    auto pogo = start_run(dir, std::string(kHeader) + ":{$PORT} {\n\troot * " + app_root().string() + R"(
	php_server
	handle_errors 500 {
		header X-Custom-Error yes
		respond "custom 500: {err.message} @ {err.trace}"
	}
}
)");
    HttpClient client;
    Response fatal = client.get(pogo->url("/fatal.php"));
    INFO(fatal.describe());
    CHECK(fatal.status == 500);
    CHECK(fatal.body.starts_with("custom 500: "));
    CHECK(fatal.body.find("pogo_e2e_this_function_does_not_exist") != std::string::npos);
    CHECK(fatal.body.find("fatal.php:3") != std::string::npos);
    CHECK(fatal.header("X-Custom-Error") == "yes");

    Response exception = client.get(pogo->url("/exception.php"));
    INFO(exception.describe());
    CHECK(exception.status == 500);
    CHECK(exception.body.find("pogo e2e uncaught exception") != std::string::npos);

    // A status the script chose is its answer, not an error.
    Response own500 = client.get(pogo->url("/status.php?code=500"));
    INFO(own500.describe());
    CHECK(own500.status == 500);
    CHECK(own500.body == "status body");
    CHECK(!own500.has_header("X-Custom-Error"));
    Response own404 = client.get(pogo->url("/status.php?code=404"));
    CHECK(own404.status == 404);
    CHECK(own404.body == "status body");

    // The thread serves on.
    Response hello = client.get(pogo->url("/hello.php"));
    CHECK(hello.status == 200);
    CHECK(hello.body == "Hello, World!");
}

TEST_CASE("handle_errors: a request that waited past max_wait_time (503)") {
    TempDir dir;
    auto pogo = start_run(dir, R"({
	admin off
	auto_https off
	frankenphp {
		num_threads 1
		max_wait_time 100ms
	}
}
:{$PORT} {
	root * )" + app_root().string() + R"(
	php_server
	handle_errors 503 {
		respond "busy: {err.message}"
	}
}
)");
    // The only PHP thread is held by a script waiting on a gate file.
    const std::string token = unique_token("hold");
    const fs::path gate = dir / "gate";
    Response held;
    std::thread holder([&] {
        HttpClient c;
        held = c.get(pogo->url("/slow.php?token=" + token + "&gate=" + gate.string()));
    });
    REQUIRE_MESSAGE(pogo->wait_stderr("slow-start " + token), pogo->describe());

    HttpClient client;
    Response busy = client.get(pogo->url("/hello.php"));
    write_file(gate, "open");
    holder.join();
    INFO(busy.describe());
    CHECK(busy.status == 503);
    CHECK(busy.body == "busy: maximum request handling time exceeded");
    INFO(held.describe());
    CHECK(held.status == 200);
    CHECK(held.body == "done gate=opened");
    CHECK(client.get(pogo->url("/hello.php")).body == "Hello, World!");
}

TEST_CASE("handle_errors: the block may run PHP, which sees the rewritten request") {
    TempDir dir;
    auto pogo = start_run(dir, std::string(kHeader) + ":{$PORT} {\n\troot * " + app_root().string() + R"(
	error /private/* "private" 403
	php_server
	handle_errors {
		rewrite * /status.php?code={err.status_code}
		php_server
	}
}
)");
    HttpClient client;
    Response r = client.get(pogo->url("/private/x"));
    INFO(r.describe());
    CHECK(r.status == 403);
    CHECK(r.body == "status body");
}

TEST_CASE("handle_errors: worker mode, an exception out of the request handler gets the custom 500 page") {
    TempDir dir;
    const std::string root = fs::canonical(fixtures_dir() / "worker_app").string();
    auto pogo = start_run(dir, "{\n\tadmin off\n\tauto_https off\n\tfrankenphp {\n\t\tworker " + root +
                                   "/index.php 1\n\t}\n}\n:{$PORT} {\n\troot * " + root + R"(
	php_server
	handle_errors 500 {
		respond "custom 500: {err.message}"
	}
}
)");
    HttpClient client;
    Response thrown = client.get(pogo->url("/?throw=1"));
    INFO(thrown.describe());
    CHECK(thrown.status == 500);
    CHECK(thrown.body.starts_with("custom 500: "));
    CHECK(thrown.body.find("worker handler exception") != std::string::npos);
    // The worker serves on.
    Response next = client.get(pogo->url("/?n=1"));
    INFO(next.describe());
    CHECK(next.status == 200);
    CHECK(body_json(next)["get"]["n"] == "1");
}
