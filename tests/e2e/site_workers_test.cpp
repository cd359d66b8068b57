// Site-level workers through `pogo run`: `worker` inside php_server and php, routed as FrankenPHP
// routes them. A worker with `match` takes every matching path even where no file exists (files
// that are not PHP are still served first); one without takes the requests whose script is its
// file; each block's workers serve only that block (two sites, two workers of one file, apart);
// a relative worker file starts from the block's `root`; `worker FILE NUM` is the short form; the
// worker sees FRANKENPHP_WORKER=1, its own env and its block's env.
#include "tests/e2e/common.h"
#include "tests/e2e/php_app.h"

using namespace e2e;
namespace fs = std::filesystem;

namespace {

struct Run {
    std::unique_ptr<PogoProcess> pogo;
    int port = 0, port2 = 0;
    std::string url(std::string_view path, int p = 0) const {
        return "http://127.0.0.1:" + std::to_string(p ? p : port) + std::string(path);
    }
};

// `pogo run` on `caddyfile` (sites written as :{$PORT} and :{$PORT2}), from `dir`: relative worker
// files and roots start there, as they start from the working directory for Caddy and FrankenPHP.
Run start_run(const TempDir& dir, const std::string& caddyfile, std::string global = "admin off") {
    Run r;
    r.port = free_port();
    r.port2 = free_port();
    write_file(dir / "Caddyfile", "{\n\t" + global + "\n}\n" + caddyfile);
    fs::current_path(dir.path());
    r.pogo = std::make_unique<PogoProcess>(
        std::vector<std::string>{"run", "--config", "Caddyfile"},
        std::vector<std::string>{"PORT=" + std::to_string(r.port), "PORT2=" + std::to_string(r.port2)});
    REQUIRE_MESSAGE(r.pogo->wait_listening(), r.pogo->describe());
    return r;
}

json get_json(HttpClient& client, const std::string& url) {
    Response r = client.get(url);
    INFO(r.describe());
    REQUIRE(r.status == 200);
    return body_json(r);
}

std::string real(const fs::path& p) { return fs::canonical(p).string(); }

}  // namespace

TEST_CASE("php_server worker match: paths without a file reach the worker, files are served first") {
    TempDir dir;
    write_report_scripts(dir.path(), {"api-worker.php", "public/index.php"});
    write_file(dir / "public/api/logo.txt", "a static file under the matched path\n");
    write_file(dir / "public/style.css", "body{}\n");
    Run run = start_run(dir, R"(:{$PORT} {
	root * public
	php_server {
		worker {
			file api-worker.php
			num 1
			env WORKER_NAME api
			match /api/*
		}
	}
}
)");
    HttpClient client;
    // No such file, and outside the root: the worker answers anyway, counting its requests.
    json j = get_json(client, run.url("/api/users/7?x=1"));
    CHECK(j["file"] == "api-worker.php");
    CHECK(j["worker"] == "1");
    CHECK(j["worker_name"] == "api");
    CHECK(j["n"] == 1);
    CHECK(j["uri"] == "/api/users/7?x=1");
    CHECK(j["get"]["x"] == "1");
    // The worker file is outside the root: SCRIPT_NAME is empty, SCRIPT_FILENAME the worker's.
    CHECK(j["script"] == "");
    CHECK(j["filename"] == real(dir / "api-worker.php"));
    CHECK(get_json(client, run.url("/api/users/8"))["n"] == 2);
    CHECK(get_json(client, run.url("/API/other"))["n"] == 3);  // Caddy's path matching ignores case

    Response r = client.get(run.url("/api/logo.txt"));  // an existing file under the matched path
    CHECK(r.status == 200);
    CHECK(r.body == "a static file under the matched path\n");

    // Paths the pattern does not match keep php_server's routing: front controller, classic mode.
    j = get_json(client, run.url("/page/1"));
    CHECK(j["file"] == "index.php");
    CHECK(j["worker"].is_null());
    CHECK(j["script"] == "/index.php");
    CHECK(client.get(run.url("/style.css")).body == "body{}\n");
    CHECK(run.pogo->stop() == 0);
}

TEST_CASE("two sites, each with its own worker of the same file: requests stay in their site") {
    TempDir dir;
    write_report_scripts(dir.path(), {"public/index.php", "public/other.php"});
    write_file(dir / "public/style.css", "body{}\n");
    write_file(dir / "public/docs/index.html", "docs\n");
    // Site 1: the worker is reached by its file (the front controller); its file is relative to
    // the working directory. Site 2: `match *`, its file relative to php_server's own `root`.
    Run run = start_run(dir, R"(:{$PORT} {
	root * public
	php_server {
		worker {
			file public/index.php
			num 1
			env WORKER_NAME one
		}
	}
}

:{$PORT2} {
	php_server {
		root public
		env APP_ENV site-two
		worker {
			file index.php
			num 1
			env WORKER_NAME two
			match *
		}
	}
}
)");
    HttpClient client;
    json j = get_json(client, run.url("/some/route"));
    CHECK(j["worker_name"] == "one");
    CHECK(j["n"] == 1);
    CHECK(j["script"] == "/index.php");
    j = get_json(client, run.url("/x", run.port2));
    CHECK(j["worker_name"] == "two");
    CHECK(j["n"] == 1);
    CHECK(j["app_env"] == "site-two");  // the block's env reaches its worker too
    CHECK(j["script"] == "/index.php");  // inside the root: relative to it
    CHECK(j["filename"] == real(dir / "public/index.php"));
    CHECK(get_json(client, run.url("/index.php"))["n"] == 2);
    j = get_json(client, run.url("/other.php", run.port2));  // `match *` takes PHP paths too
    CHECK(j["worker_name"] == "two");
    CHECK(j["n"] == 2);
    CHECK(client.get(run.url("/style.css", run.port2)).body == "body{}\n");
    // Directories, as Caddy's `file {path}` sees them: only the slash form is one (never "/").
    CHECK(client.get(run.url("/docs/", run.port2)).body == "docs\n");
    CHECK(get_json(client, run.url("/docs", run.port2))["n"] == 3);
    CHECK(get_json(client, run.url("/", run.port2))["n"] == 4);

    // Site 1's other scripts run classic; site 1 never reaches site 2's worker.
    j = get_json(client, run.url("/other.php"));
    CHECK(j["file"] == "other.php");
    CHECK(j["worker"].is_null());
    CHECK(get_json(client, run.url("/"))["worker_name"] == "one");
    CHECK(run.pogo->stop() == 0);
}

TEST_CASE("worker names: the file by default; the same file in a second site is qualified with that site") {
    TempDir dir;
    write_report_scripts(dir.path(), {"public/index.php"});
    const int admin = free_port();
    Run run = start_run(dir, R"(:{$PORT} {
	php_server {
		root public
		worker index.php 1
	}
}

http://localhost:{$PORT2} {
	php_server {
		root public
		worker index.php 1
	}
}
)",
                        "admin 127.0.0.1:" + std::to_string(admin));
    HttpClient client;
    const std::string file = real(dir / "public/index.php");
    const std::string first = "frankenphp_total_workers{worker=\"" + file + "\"} 1";
    const std::string second = "frankenphp_total_workers{worker=\"localhost:" + file + "\"} 1";
    // The listeners open before every worker thread has booted (slow under sanitizers): poll.
    Response r;
    poll_until([&] {
        r = client.get("http://127.0.0.1:" + std::to_string(admin) + "/metrics");
        return r.body.find(first) != std::string::npos && r.body.find(second) != std::string::npos;
    });
    CAPTURE(r.body);
    CHECK(r.body.find(first) != std::string::npos);
    CHECK(r.body.find(second) != std::string::npos);
    CHECK(get_json(client, run.url("/"))["n"] == 1);
    r = client.get(run.url("/", run.port2), {"Host: localhost:" + std::to_string(run.port2)});
    CHECK(body_json(r)["n"] == 1);  // each site its own worker
    CHECK(run.pogo->stop() == 0);
}

TEST_CASE("php_server { root; worker FILE NUM }: the short form, relative to the block's root, env inherited") {
    TempDir dir;
    write_report_scripts(dir.path(), {"app/public/index.php", "app/public/other.php"});
    Run run = start_run(dir, R"(:{$PORT} {
	php_server {
		env APP_ENV prod
		worker index.php 2
		root app/public
	}
}
)");
    HttpClient client;
    json j = get_json(client, run.url("/"));
    CHECK(j["worker"] == "1");
    CHECK(j["app_env"] == "prod");
    CHECK(j["filename"] == real(dir / "app/public/index.php"));
    j = get_json(client, run.url("/anything/else"));
    CHECK(j["worker"] == "1");
    j = get_json(client, run.url("/other.php/extra"));
    CHECK(j["worker"].is_null());
    CHECK(j["app_env"] == "prod");
    CHECK(j["path_info"] == "/extra");
    CHECK(run.pogo->stop() == 0);
}

TEST_CASE("php [matcher] { worker { match } }: the php directive's own worker") {
    TempDir dir;
    write_report_scripts(dir.path(), {"workers/jobs.php", "public/index.php"});
    Run run = start_run(dir, R"(:{$PORT} {
	route {
		root * public
		php /jobs/* {
			worker {
				file workers/jobs.php
				name jobs
				num 1
				env WORKER_NAME jobs
				match /jobs/*
			}
		}
		php /index.php
		respond "fallback {path}"
	}
}
)");
    HttpClient client;
    json j = get_json(client, run.url("/jobs/run"));
    CHECK(j["worker_name"] == "jobs");
    CHECK(j["n"] == 1);
    CHECK(get_json(client, run.url("/jobs/again"))["n"] == 2);
    j = get_json(client, run.url("/index.php"));
    CHECK(j["worker"].is_null());
    Response r = client.get(run.url("/elsewhere"));
    CHECK(r.body == "fallback /elsewhere");
    CHECK(run.pogo->stop() == 0);
}

TEST_CASE("site-level worker mistakes are refused with file:line") {
    TempDir dir;
    write_report_scripts(dir.path(), {"public/index.php"});
    fs::current_path(dir.path());
    struct Case {
        std::string caddyfile, message;
    };
    const std::vector<Case> cases = {
        {"{\n\tfrankenphp {\n\t\tworker {\n\t\t\tfile public/index.php\n\t\t\tmatch *\n\t\t}\n\t}\n}\n:8080 {\n\tphp_server\n}\n",
         "Caddyfile:3: worker \"public/index.php\": \"match\" is only for a worker inside php_server or php, not a "
         "global one"},
        {":8080 {\n\tphp_server {\n\t\troot public\n\t\tworker index.php\n\t\tworker index.php 2\n\t}\n}\n",
         "Caddyfile:5: php_server: two workers of this block have the file"},
        {":8080 {\n\tphp_server {\n\t\tworker missing.php\n\t}\n}\n", "Caddyfile:3: worker file not found"},
    };
    for (const Case& c : cases) {
        INFO(c.caddyfile);
        write_file(dir / "Caddyfile", c.caddyfile);
        RunResult r = run_pogo({"run", "--config", "Caddyfile"});
        CHECK(r.exit_code == 1);
        CHECK_MESSAGE(r.err.find(c.message) != std::string::npos, r.err);
    }
}
