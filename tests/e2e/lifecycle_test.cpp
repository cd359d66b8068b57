// Start-up and shutdown of `pogo php-server`: start-up failures, SIGTERM/SIGINT with requests in
// flight, idle keep-alive connections at shutdown.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <thread>

#include "tests/e2e/common.h"

using namespace e2e;
namespace fs = std::filesystem;

namespace {

// A socket listening on 127.0.0.1:<ephemeral>, to make a port busy.
class BusyPort {
public:
    BusyPort() {
        fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        REQUIRE(listen(fd_, 16) == 0);
        socklen_t len = sizeof addr;
        getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
    }
    ~BusyPort() { close(fd_); }
    int port() const { return port_; }

private:
    int fd_ = -1;
    int port_ = 0;
};

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

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

}  // namespace

TEST_CASE("start-up fails with exit code 1 and one line when the port is in use") {
    BusyPort busy;
    const std::string listen = "127.0.0.1:" + std::to_string(busy.port());
    RunResult r = run_pogo({"php-server", "--listen", listen, "--root", app_root().string()});
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    CHECK(r.exit_code == 1);
    auto lines = lines_of(r.err);
    REQUIRE(lines.size() == 1);
    const std::string line = lower(lines[0]);
    CHECK((line.find(std::to_string(busy.port())) != std::string::npos || line.find("in use") != std::string::npos));
}

TEST_CASE("start-up fails with exit code 1 and one line when the root is missing") {
    TempDir dir;
    const fs::path missing = dir / "no-such-root";
    RunResult r = run_pogo({"php-server", "--listen", "127.0.0.1:0", "--root", missing.string()});
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    CHECK(r.exit_code == 1);
    auto lines = lines_of(r.err);
    REQUIRE(lines.size() == 1);
    const std::string line = lower(lines[0]);
    CHECK((line.find(missing.string()) != std::string::npos || line.find("root") != std::string::npos));
}

TEST_CASE("SIGTERM and SIGINT on an idle server exit 0") {
    for (int sig : {SIGTERM, SIGINT}) {
        CAPTURE(sig);
        auto server = start_php_server(app_root());
        HttpClient client;
        Response r = client.get(server->url("/hello.php"));
        CHECK(r.status == 200);
        int code = server->stop(sig);
        INFO(server->describe());
        CHECK(code == 0);
        CHECK_FALSE(server->was_killed_after_deadline());
    }
}

TEST_CASE("SIGTERM exits 0 every time (repeated start, request, stop)") {
    // A shutdown-signal race (a thread that does not block SIGTERM) shows up only now and then.
    int clean = 0;
    const int rounds = 15;
    for (int i = 0; i < rounds; ++i) {
        auto server = start_php_server(app_root());
        {
            HttpClient client;  // closed before the signal: this test is about the signal alone
            CHECK(client.get(server->url("/hello.php")).status == 200);
        }
        int code = server->stop(SIGTERM);
        INFO(server->describe());
        CHECK(code == 0);
        clean += code == 0;
    }
    CHECK(clean == rounds);
}

TEST_CASE("an idle keep-alive connection does not hold up shutdown") {
    auto server = start_php_server(app_root());
    HttpClient client;  // keeps its connection open after the response
    REQUIRE(client.get(server->url("/hello.php")).status == 200);
    REQUIRE(client.get(server->url("/static.txt")).status == 200);
    int code = server->stop(SIGTERM);
    INFO(server->describe());
    CHECK(code == 0);
    CHECK_FALSE(server->was_killed_after_deadline());
}

TEST_CASE("SIGTERM lets an in-flight request finish, stops accepting, then exits 0") {
    auto server = start_php_server(app_root());
    TempDir dir;
    const fs::path gate = dir / "gate";
    const std::string token = unique_token("sigterm");

    Response slow;
    std::thread in_flight([&] {
        HttpClient client;
        slow = client.get(server->url("/slow.php?token=" + token + "&gate=" + url_encode(gate.string())));
    });

    // The script is running (it logged its start) before the signal is sent.
    bool started = server->wait_stderr("slow-start " + token);
    if (!started) {
        write_file(gate, "open");
        in_flight.join();
        INFO(server->describe());
        FAIL("slow.php never logged its start through error_log");
    }
    kill(server->pid(), SIGTERM);

    // The listener goes away while the request is still held open by its gate.
    bool stopped_accepting = poll_until([&] { return connection_refused(server->port()); });
    CHECK_MESSAGE(stopped_accepting, "the server still accepts connections after SIGTERM");
    CHECK(server->running());

    write_file(gate, "open");
    in_flight.join();
    INFO(server->describe());
    INFO(slow.describe());
    CHECK(slow.status == 200);
    CHECK(slow.body == "done gate=opened");

    auto code = server->wait_exit();
    CHECK(code == std::optional<int>(0));
}
