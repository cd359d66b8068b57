// Thread scaling through `pogo run`: `frankenphp { num_threads 2  max_threads 6  max_idle_time
// 300ms }` grows the PHP threads while slow requests queue up and removes the added ones once
// idle — seen in the server log — and every request is answered. A worker grows within its own
// max_threads the same way. Configuration errors of these options are `file:line: message`.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <regex>

#include "tests/e2e/common.h"

using namespace e2e;

namespace {


// `pogo run` on a free port, with the Caddyfile's {$PORT} set to it.
struct Server {
    int port = free_port();
    std::unique_ptr<PogoProcess> pogo;
    explicit Server(const std::filesystem::path& caddyfile)
        : pogo(std::make_unique<PogoProcess>(std::vector<std::string>{"run", "--config", caddyfile.string()},
                                             std::vector<std::string>{"PORT=" + std::to_string(port)})) {}
    std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port) + path; }
};

std::vector<Request> slow_requests(const Server& server, const std::string& path, int n, int ms) {
    std::vector<Request> requests;
    for (int i = 0; i < n; ++i) {
        Request r;
        r.url = server.url(path + "?ms=" + std::to_string(ms) + "&id=" + std::to_string(i));
        requests.push_back(std::move(r));
    }
    return requests;
}

// The largest "<key>":N among the log lines that contain `message`.
int max_field(const std::string& log, const std::string& message, const std::string& key) {
    int most = 0;
    std::regex field("\"" + key + "\":([0-9]+)");
    for (const std::string& line : lines_of(log)) {
        if (line.find(message) == std::string::npos) continue;
        std::smatch m;
        if (std::regex_search(line, m, field)) most = std::max(most, std::stoi(m[1].str()));
    }
    return most;
}

}  // namespace

TEST_CASE("scaling: max_threads grows the regular threads under load, max_idle_time removes them") {
    TempDir tmp;
    write_file(tmp / "Caddyfile", R"({
	admin off
	frankenphp {
		num_threads 2
		max_threads 6
		max_idle_time 300ms
	}
}
http://127.0.0.1:{$PORT} {
	root * )" + app_root().string() + R"(
	php_server
}
)");
    Server server(tmp / "Caddyfile");
    PogoProcess& pogo = *server.pogo;
    REQUIRE_MESSAGE(pogo.wait_listening(), pogo.describe());
    CHECK(pogo.wait_stderr("PHP threads grow under load"));

    std::vector<Response> responses = perform_concurrent(slow_requests(server, "/slow.php", 24, 300));
    for (const Response& r : responses) {
        INFO(r.describe());
        CHECK(r.status == 200);
        CHECK(r.body == "done");
    }
    INFO(pogo.describe());
    CHECK(pogo.stderr_text().find("PHP thread added") != std::string::npos);
    CHECK(max_field(pogo.stderr_text(), "PHP thread added", "total") > 2);
    CHECK(max_field(pogo.stderr_text(), "PHP thread added", "total") <= 6);
    // Idle: every added thread goes, back to the two started with.
    CHECK(pogo.wait_stderr("PHP thread removed\t{\"queue\":\"regular\",\"threads\":2}"));
    CHECK(pogo.stop() == 0);
}

TEST_CASE("scaling: a worker grows within its own max_threads and shrinks back") {
    TempDir tmp;
    std::filesystem::path dir = std::filesystem::canonical(tmp.path());
    write_file(dir / "w.php", R"(<?php
while (frankenphp_handle_request(function () {
    usleep(1000 * (int)($_GET['ms'] ?? 0));
    echo 'id=', $_GET['id'] ?? '';
})) {
}
)");
    write_file(dir / "Caddyfile", R"({
	admin off
	frankenphp {
		num_threads 2
		max_threads 8
		max_idle_time 300ms
		worker {
			file )" + (dir / "w.php").string() + R"(
			num 1
			max_threads 3
			name slowworker
		}
	}
}
http://127.0.0.1:{$PORT} {
	root * )" + dir.string() + R"(
	php_server
}
)");
    Server server(dir / "Caddyfile");
    PogoProcess& pogo = *server.pogo;
    REQUIRE_MESSAGE(pogo.wait_listening(), pogo.describe());

    std::vector<Response> responses = perform_concurrent(slow_requests(server, "/w.php", 16, 200));
    for (size_t i = 0; i < responses.size(); ++i) {
        INFO(responses[i].describe());
        CHECK(responses[i].status == 200);
        CHECK(responses[i].body == "id=" + std::to_string(i));
    }
    INFO(pogo.describe());
    std::string log = pogo.stderr_text();
    CHECK(log.find("PHP thread added\t{\"threads\":2,\"worker\":\"slowworker\"}") != std::string::npos);
    CHECK(max_field(log, "PHP thread added", "threads") <= 3);
    CHECK(log.find("\"queue\":\"regular\"") == std::string::npos);  // the regular queue never stalled
    CHECK(pogo.wait_stderr("PHP thread removed\t{\"threads\":1,\"worker\":\"slowworker\"}"));
    CHECK(pogo.stop() == 0);
}

TEST_CASE("scaling: configuration errors are file:line and exit 1") {
    TempDir tmp;
    write_file(tmp / "w.php", "<?php\n");
    const std::string site = "http://127.0.0.1:" + std::to_string(free_port()) + " {\n\tphp_server\n}\n";
    struct Case {
        std::string global;
        std::string error;
    } cases[] = {
        {"{\n\tfrankenphp {\n\t\tnum_threads 4\n\t\tmax_threads 2\n\t}\n}\n",
         "Caddyfile:4: max_threads (2) must be greater than or equal to num_threads (4)"},
        {"{\n\tfrankenphp {\n\t\tmax_threads 4\n\t\tmax_idle_time 0s\n\t}\n}\n",
         "Caddyfile:2: frankenphp max_idle_time must be at least 1ms"},
        {"{\n\tfrankenphp {\n\t\tnum_threads 4\n\t\tworker {\n\t\t\tfile " + (tmp / "w.php").string() + "\n\t\t\tnum 2\n\t\t\tmax_threads 1\n\t\t}\n\t}\n}\n",
         "Caddyfile:4: worker max_threads (1) must be greater than or equal to its num (2)"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.global);
        write_file(tmp / "Caddyfile", c.global + site);
        RunResult r = run_pogo({"run", "--config", (tmp / "Caddyfile").string()});
        INFO(r.err);
        CHECK(r.exit_code == 1);
        CHECK(r.err.find(c.error) != std::string::npos);
    }
}
