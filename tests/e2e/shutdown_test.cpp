// A shutdown always ends: after `grace_period` the scripts still running are interrupted (classic
// and worker mode) and the process exits 0; a second SIGTERM or SIGINT during the grace period
// ends it at once with status 2.
#include <csignal>
#include <filesystem>
#include <thread>

#include "tests/e2e/common.h"

using namespace e2e;
namespace fs = std::filesystem;

namespace {

// `pogo run` serving `root` with php_server (`php_body` inside its block) and the given grace period.
struct RunServer {
    TempDir tmp;
    int port = free_port();
    std::unique_ptr<PogoProcess> pogo;

    // The site's host is a matcher, not a bind address (Caddy listens on every interface).
    std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port) + path; }

    RunServer(const fs::path& root, const std::string& grace, const std::string& php_body = "") {
        write_file(tmp / "Caddyfile", "{\n\tadmin off\n\tauto_https off\n\tgrace_period " + grace +
                                          "\n}\nhttp://127.0.0.1:" + std::to_string(port) + " {\n\troot * " +
                                          root.string() + "\n\tphp_server {\n" + php_body + "\t}\n}\n");
        pogo = std::make_unique<PogoProcess>(std::vector<std::string>{"run", "--config", (tmp / "Caddyfile").string()});
        REQUIRE_MESSAGE(pogo->wait_listening(), pogo->describe());
    }
};

// A request to `path` on its own thread; it ends however the server ends it.
struct Background {
    Response response;
    std::thread thread;
    explicit Background(std::string url) {
        thread = std::thread([this, url] {
            HttpClient client;
            Request req;
            req.url = url;
            req.timeout = kDeadline;
            response = client.perform(req);
        });
    }
    ~Background() {
        if (thread.joinable()) thread.join();
    }
};

fs::path worker_root() { return fs::canonical(fixtures_dir() / "worker_survival"); }

}  // namespace

TEST_CASE("shutdown: a script in sleep(120) is interrupted after grace_period and the process exits 0") {
    RunServer server(app_root(), "1s");
    PogoProcess& pogo = *server.pogo;
    const std::string token = unique_token("grace");
    Background sleeper(server.url("/sleep_long.php?token=" + token));
    REQUIRE_MESSAGE(pogo.wait_stderr("sleep-long-start " + token), pogo.describe());

    kill(pogo.pid(), SIGTERM);
    auto code = pogo.wait_exit();
    INFO(pogo.describe());
    CHECK(code == std::optional<int>(0));
    CHECK(pogo.stderr_text().find("grace period over; interrupting running PHP scripts") != std::string::npos);
    CHECK(pogo.stderr_text().find("Script interrupted: the server is shutting down") != std::string::npos);
    sleeper.thread.join();
    CHECK(sleeper.response.body.find("woke up") == std::string::npos);
}

TEST_CASE("shutdown: a worker busy in sleep(120) is interrupted after grace_period and the process exits 0") {
    const std::string worker = (worker_root() / "index.php").string();
    RunServer server(worker_root(), "1s", "\t\tworker " + worker + " 1\n");
    PogoProcess& pogo = *server.pogo;
    const std::string token = unique_token("worker-grace");
    Background sleeper(server.url("/index.php?sleep=1&token=" + token));
    REQUIRE_MESSAGE(pogo.wait_stderr("worker-sleep-start " + token), pogo.describe());

    kill(pogo.pid(), SIGTERM);
    auto code = pogo.wait_exit();
    INFO(pogo.describe());
    CHECK(code == std::optional<int>(0));
    CHECK(pogo.stderr_text().find("grace period over; interrupting running PHP scripts") != std::string::npos);
}

TEST_CASE("shutdown: a second SIGTERM or SIGINT during the grace period exits at once with status 2") {
    for (int second : {SIGTERM, SIGINT}) {
        CAPTURE(second);
        RunServer server(app_root(), "5m");
        PogoProcess& pogo = *server.pogo;
        const std::string token = unique_token("second");
        Background sleeper(server.url("/sleep_long.php?token=" + token));
        REQUIRE_MESSAGE(pogo.wait_stderr("sleep-long-start " + token), pogo.describe());

        kill(pogo.pid(), SIGTERM);
        REQUIRE_MESSAGE(pogo.wait_stderr("shutting down"), pogo.describe());
        kill(pogo.pid(), second);
        auto code = pogo.wait_exit();
        INFO(pogo.describe());
        CHECK(code == std::optional<int>(2));
        CHECK(pogo.stderr_text().find("second signal during shutdown; exiting now") != std::string::npos);
    }
}
