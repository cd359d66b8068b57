// Answers in place of whatever was coming, through `pogo run`. handle_errors and the error
// directive: every source of a handler error (the error directive, file_server's 404, a body over
// request_body's max_size, a PHP script that died before its first output, a request that waited
// past max_wait_time) answered by the site's handle_errors routes, specific codes before classes
// before the catch-all, with the {err.*} placeholders; a script's own 404 or 500 passes through;
// an error inside handle_errors is answered plainly instead of looping. intercept: handle_response
// routes chosen by the head of a file, a direct response or a PHP response, with the {resp.*}
// placeholders, replace_status, and FrankenPHP's X-Sendfile recipe (classic and worker mode).
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

namespace {

// FrankenPHP's X-Sendfile recipe (frankenphp.dev/docs/x-sendfile), `root` the site's PHP and
// `files` the private directory; extra lines go at the top of the site.
std::string sendfile_site(const std::string& root, const std::string& files, const std::string& extra = "") {
    return ":{$PORT} {\n\troot * " + root + "\n" + extra + R"(
	request_header X-Sendfile-Type x-accel-redirect
	intercept {
		@accel header X-Accel-Redirect *
		handle_response @accel {
			root * )" + files + R"(
			rewrite * {resp.header.X-Accel-Redirect}
			method * GET
			header -X-Accel-Redirect
			file_server
		}
	}
	php_server
}
)";
}

// 100 KiB that no slice of repeats at another offset.
std::string private_file() {
    std::string data;
    for (int i = 0; data.size() < 100 * 1024; ++i) data += "line " + std::to_string(i) + ";";
    return data.substr(0, 100 * 1024);
}

// The private file as the recipe serves it: whole, by range, revalidated, HEAD, after a POST.
void check_sendfile(const PogoProcess& pogo, const std::string& data) {
    HttpClient client;
    Response r = client.get(pogo.url("/download.php"));
    INFO(r.describe());
    REQUIRE(r.status == 200);
    CHECK(r.body == data);
    CHECK_FALSE(r.has_header("X-Accel-Redirect"));
    CHECK(r.header("X-Sendfile-Seen") == "x-accel-redirect");  // PHP saw request_header's field
    CHECK(r.header("Content-Type") == "application/octet-stream");  // the script's, as under Caddy
    CHECK(r.header("Content-Length") == std::to_string(data.size()));
    const std::string etag = r.header("ETag");
    CHECK_FALSE(etag.empty());

    Response part = client.get(pogo.url("/download.php"), {"Range: bytes=1000-1999"});
    INFO(part.describe());
    CHECK(part.status == 206);
    CHECK(part.body == data.substr(1000, 1000));
    CHECK(part.header("Content-Range") == "bytes 1000-1999/" + std::to_string(data.size()));

    Response same = client.get(pogo.url("/download.php"), {"If-None-Match: " + etag});
    INFO(same.describe());
    CHECK(same.status == 304);
    CHECK(same.body.empty());

    Response head = client.head(pogo.url("/download.php"));
    INFO(head.describe());
    CHECK(head.status == 200);
    CHECK(head.body.empty());
    CHECK(head.header("Content-Length") == std::to_string(data.size()));
    CHECK_FALSE(head.has_header("X-Accel-Redirect"));

    // `method * GET`: a POST's answer is the file too.
    Response post = client.post_raw(pogo.url("/download.php"), "a=1", "application/x-www-form-urlencoded");
    INFO(post.describe());
    CHECK(post.status == 200);
    CHECK(post.body == data);

    // A response without the field passes untouched.
    Response plain = client.get(pogo.url("/plain.php"));
    INFO(plain.describe());
    CHECK(plain.status == 200);
    CHECK(plain.body == "plain php");
}

}  // namespace

TEST_CASE("intercept: FrankenPHP's X-Sendfile recipe serves the private file with Range, ETag and HEAD") {
    TempDir dir;
    const std::string data = private_file();
    write_file(dir / "files/private/file.bin", data);
    write_file(dir / "files/secret.txt", "outside the mapped folder? no: inside the files root\n");
    write_file(dir / "outside.txt", "never served\n");
    write_file(dir / "public/download.php", R"(<?php
header('Content-Type: application/octet-stream');
header('X-Accel-Redirect: /private/file.bin');
header('X-Sendfile-Seen: ' . ($_SERVER['HTTP_X_SENDFILE_TYPE'] ?? 'none'));
echo "the script's own body, never sent";
)");
    write_file(dir / "public/plain.php", "<?php echo 'plain php';\n");
    write_file(dir / "public/to.php", "<?php header('X-Accel-Redirect: ' . $_GET['f']);\n");
    // The script goes on after its head was taken over: its later output is dropped without
    // holding it back, and it runs to its end (the marker file), as under Caddy.
    write_file(dir / "public/long.php", "<?php\nheader('X-Accel-Redirect: /private/file.bin');\nflush();\n"
                                        "for ($i = 0; $i < 64; $i++) echo str_repeat('x', 65536);\n"
                                        "file_put_contents(" + std::string("'") + (dir / "ran-to-end").string() +
                                        "', connection_aborted() ? 'aborted' : 'normal');\n");
    auto pogo = start_run(dir, "{\n\tadmin off\n\tauto_https off\n\tservers {\n\t\tprotocols h1 h2 h2c\n\t}\n}\n" +
                                   sendfile_site((dir / "public").string(), (dir / "files").string()));
    check_sendfile(*pogo, data);

    // Over HTTP/2 too (one client per request: libcurl cannot reuse an h2c prior-knowledge connection).
    for (const char* method : {"GET", "HEAD"}) {
        HttpClient h2client;
        Request h2;
        h2.method = method;
        h2.url = pogo->url("/download.php");
        h2.http2_prior_knowledge = true;
        h2.headers = {"Range: bytes=10-19"};
        Response r = h2client.perform(h2);
        INFO(r.describe());
        CHECK(r.http_version == "HTTP/2");
        CHECK(r.status == 206);
        CHECK(r.body == (std::string(method) == "GET" ? data.substr(10, 10) : ""));
        CHECK_FALSE(r.has_header("X-Accel-Redirect"));
    }

    HttpClient client;
    Response long_one = client.get(pogo->url("/long.php"));
    INFO(long_one.describe());
    CHECK(long_one.status == 200);
    CHECK(long_one.body == data);
    REQUIRE(poll_until([&] { return fs::exists(dir / "ran-to-end"); }));
    CHECK(read_file(dir / "ran-to-end") == "normal");

    // The value is a path inside the private root, nothing above it.
    Response up = client.get(pogo->url("/to.php?f=/../outside.txt"));
    INFO(up.describe());
    CHECK(up.body != "never served\n");
    Response inside = client.get(pogo->url("/to.php?f=/secret.txt"));
    CHECK(inside.status == 200);
    Response missing = client.get(pogo->url("/to.php?f=/nope.bin"));
    CHECK(missing.status == 404);
}

TEST_CASE("intercept: the X-Sendfile recipe in worker mode") {
    TempDir dir;
    const std::string data = private_file();
    write_file(dir / "files/private/file.bin", data);
    write_file(dir / "public/plain.php", "<?php echo 'plain php';\n");
    write_file(dir / "public/download.php", R"(<?php
while (frankenphp_handle_request(function () {
    header('Content-Type: application/octet-stream');
    header('X-Accel-Redirect: /private/file.bin');
    header('X-Sendfile-Seen: ' . ($_SERVER['HTTP_X_SENDFILE_TYPE'] ?? 'none'));
    echo "the worker's own body, never sent";
})) {
}
)");
    const std::string global = "{\n\tadmin off\n\tauto_https off\n\tfrankenphp {\n\t\tworker " +
                               (dir / "public/download.php").string() + " 1\n\t}\n}\n";
    auto pogo = start_run(dir, global + sendfile_site((dir / "public").string(), (dir / "files").string()));
    check_sendfile(*pogo, data);
}

TEST_CASE("intercept: handle_response over file_server and respond, replace_status, {resp.*}; the rest passes") {
    TempDir dir;
    write_file(dir / "site/static/page.html", "<p>page</p>\n");
    write_file(dir / "site/static/style.css", "p{}\n");
    write_file(dir / "site/pass/note.txt", "the original note\n");
    write_file(dir / "site/other.html", "<p>other</p>\n");
    auto pogo = start_run(dir, std::string(kHeader) + ":{$PORT} {\n\troot * " + (dir / "site").string() + R"(
	intercept /static/* {
		@html header Content-Type text/html*
		@teapot status 418
		replace_status @teapot 200
		handle_response @html {
			header X-Intercepted {resp.status_code}
			respond "was html: {resp.header.Content-Type} {http.intercept.status_code} at {path}" 203
		}
	}
	intercept /pass/* {
		handle_response {
			header X-Seen "{resp.status_code} {resp.header.Content-Length}"
		}
	}
	respond /static/tea "tea" 418
	file_server
}
)");
    HttpClient client;
    Response html = client.get(pogo->url("/static/page.html"));
    INFO(html.describe());
    CHECK(html.status == 203);
    CHECK(html.body == "was html: text/html; charset=utf-8 200 at /static/page.html");
    CHECK(html.header("X-Intercepted") == "200");
    // As under Caddy the answer starts from the intercepted response's fields: respond's default
    // Content-Type gives way to the page's.
    CHECK(html.header("Content-Type") == "text/html; charset=utf-8");

    Response css = client.get(pogo->url("/static/style.css"));
    INFO(css.describe());
    CHECK(css.status == 200);
    CHECK(css.body == "p{}\n");
    CHECK_FALSE(css.has_header("X-Intercepted"));

    Response tea = client.get(pogo->url("/static/tea"));
    INFO(tea.describe());
    CHECK(tea.status == 200);  // replace_status: the status only
    CHECK(tea.body == "tea");

    // Routes that answer nothing let the response through, with their header operations.
    Response note = client.get(pogo->url("/pass/note.txt"));
    INFO(note.describe());
    CHECK(note.status == 200);
    CHECK(note.body == "the original note\n");
    CHECK(note.header("X-Seen") == "200 18");

    Response other = client.get(pogo->url("/other.html"));
    INFO(other.describe());
    CHECK(other.status == 200);
    CHECK(other.body == "<p>other</p>\n");
}
