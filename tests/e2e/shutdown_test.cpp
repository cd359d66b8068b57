// A shutdown always ends: after `grace_period` the scripts still running are interrupted (classic
// and worker mode) and the process exits 0; a second SIGTERM or SIGINT during the grace period
// ends it at once with status 2. Before any of it, the admin API's /ready answers 503 while the
// site keeps serving for shutdown_delay (what a load balancer needs to drop a replica first).
#include <csignal>
#include <filesystem>
#include <thread>

#include "tests/e2e/common.h"
#include "tests/e2e/jobs_app.h"

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

bool connection_refused(int port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool refused = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 && errno == ECONNREFUSED;
    close(fd);
    return refused;
}

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

TEST_CASE("shutdown: /ready fails at once, the site serves through shutdown_delay, then a request and its job drain") {
    // The jobs fixture with its default pool, the admin API, a shutdown_delay long enough for the
    // test's few requests (it only bounds the test's length: every step below is polled).
    TempDir tmp;
    const int port = free_port();
    const int admin_port = free_port();
    const std::string site = "http://127.0.0.1:" + std::to_string(port);
    const std::string ready = "http://127.0.0.1:" + std::to_string(admin_port) + "/ready";
    write_file(tmp / "Caddyfile", "{\n\tadmin 127.0.0.1:" + std::to_string(admin_port) +
                                      "\n\tauto_https off\n\tshutdown_delay 3s\n\tgrace_period 20s\n\tpogo {\n" +
                                      jobs::pool_block("default", 2, "10s") + "\t}\n}\n" + site + " {\n\troot * " +
                                      (jobs::app_dir() / "public").string() + "\n\tphp_server\n}\n");
    PogoProcess pogo({"run", "--config", (tmp / "Caddyfile").string()});
    REQUIRE_MESSAGE(pogo.wait_listening(), pogo.describe());
    REQUIRE_MESSAGE(pogo.wait_stderr("admin endpoint started"), pogo.describe());
    HttpClient client;
    CHECK(client.get(ready).status == 200);

    // A request whose job is running, held by the gate.
    const fs::path started = tmp / "started";
    const fs::path gate = tmp / "gate";
    Background in_flight(site + "/drain.php?started=" + url_encode(started.string()) + "&gate=" + url_encode(gate.string()));
    REQUIRE_MESSAGE(poll_until([&] { return fs::exists(started); }), pogo.describe());

    kill(pogo.pid(), SIGTERM);
    // Readiness fails first, while the site still takes new connections and requests.
    bool not_ready = poll_until([&] { return HttpClient().get(ready).status == 503; });
    INFO(pogo.describe());
    REQUIRE_MESSAGE(not_ready, "/ready never answered 503 after SIGTERM");
    HttpClient fresh;
    Response during = fresh.get(site + "/echo.php");
    CHECK(during.status == 200);
    CHECK(pogo.stderr_text().find("shutdown scheduled") != std::string::npos);
    RunResult probe = run_pogo({"health", "--ready", "--address", "127.0.0.1:" + std::to_string(admin_port)});
    CHECK(probe.exit_code == 1);
    CHECK(probe.err.find("HTTP 503: shutting down") != std::string::npos);

    // After shutdown_delay the listener closes; the held request and its job are still in flight.
    CHECK_MESSAGE(poll_until([&] { return connection_refused(port); }), "the listener stayed open after shutdown_delay");
    CHECK(pogo.running());
    write_file(gate, "open");
    in_flight.thread.join();
    INFO(in_flight.response.describe());
    CHECK(in_flight.response.status == 200);
    CHECK(body_json(in_flight.response)["job"] == json::parse(R"({"ok": true, "value": {"gate": true}})"));
    CHECK(pogo.wait_exit() == std::optional<int>(0));
    CHECK(pogo.stderr_text().find("grace period over") == std::string::npos);
}
