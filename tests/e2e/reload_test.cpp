// Reloads with zero downtime: 20 reloads while wrk keeps loopback connections busy (not one
// failed or reset request), SIGUSR1 (the file again; unchanged is a no-op), new thread counts
// and php_ini taking effect, and a configuration that cannot start rolled back.
#include <sys/wait.h>
#include <unistd.h>

#include <regex>

#include "tests/e2e/admin_support.h"
#include "tests/e2e/command.h"

using namespace e2e_admin;

namespace {

// wrk's summary: requests, socket errors and non-2xx counts.
struct WrkSummary {
    long requests = -1;
    long connect = 0, read = 0, write = 0, timeout = 0;
    long non_2xx = 0;
};

WrkSummary parse_wrk(const std::string& out) {
    WrkSummary s;
    std::smatch m;
    if (std::regex_search(out, m, std::regex(R"((\d+) requests in)"))) s.requests = std::stol(m[1]);
    if (std::regex_search(out, m, std::regex(R"(Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+))"))) {
        s.connect = std::stol(m[1]);
        s.read = std::stol(m[2]);
        s.write = std::stol(m[3]);
        s.timeout = std::stol(m[4]);
    }
    if (std::regex_search(out, m, std::regex(R"(Non-2xx or 3xx responses: (\d+))"))) s.non_2xx = std::stol(m[1]);
    return s;
}

// wrk in the background until stopped with SIGINT (it then prints its summary).
class Wrk {
public:
    explicit Wrk(const std::string& url) {
        out_ = std::tmpfile();
        pid_ = fork();
        if (pid_ == 0) {
            dup2(fileno(out_), 1);
            dup2(fileno(out_), 2);
            execlp("wrk", "wrk", "-t", "2", "-c", "16", "-d", "300s", url.c_str(), nullptr);
            _exit(127);
        }
    }
    std::string stop() {
        kill(pid_, SIGINT);
        int status = 0;
        waitpid(pid_, &status, 0);
        std::string text;
        std::rewind(out_);
        char buf[4096];
        while (size_t n = std::fread(buf, 1, sizeof buf, out_)) text.append(buf, n);
        std::fclose(out_);
        return text;
    }

private:
    pid_t pid_ = -1;
    FILE* out_ = nullptr;
};

// process_open_fds from the admin API's metrics (-1 when absent).
long open_fds(AdminRun& run) {
    std::smatch m;
    std::string text = run.send("GET", "/metrics").body;
    return std::regex_search(text, m, std::regex(R"(\nprocess_open_fds (\d+))")) ? std::stol(m[1]) : -1;
}

size_t occurrences(const std::string& text, std::string_view needle) {
    size_t n = 0;
    for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++n;
    return n;
}

}  // namespace

TEST_CASE("20 reloads under wrk: no failed, reset or refused request") {
    AdminRun run;
    run.start();
    HttpClient c;
    REQUIRE(c.get(run.url("/classic.php")).status == 200);
    const long base = open_fds(run);
    REQUIRE(base > 0);
    for (const char* path : {"/classic.php", "/worker.php", "/static.txt"}) {
        CAPTURE(path);
        // The previous round's connections are gone, then wrk's 16 are open before the first reload.
        REQUIRE(poll_until([&] { return open_fds(run) <= base; }));
        Wrk wrk(run.url(path));
        REQUIRE(poll_until([&] { return open_fds(run) >= base + 16; }));
        size_t stopped = occurrences(run.pogo->stderr_text(), "server stopped");
        int reloads = std::string(path) == "/classic.php" ? 10 : 5;
        for (int i = 0; i < reloads; ++i) {
            // Alternate a changed configuration and a forced identical one.
            int workers = 1 + i % 2;
            Response r = run.send("POST", "/load", caddyfile(run.port, run.admin_port, workers),
                                  {"Content-Type: text/caddyfile", "Cache-Control: must-revalidate"});
            INFO(r.describe());
            REQUIRE(r.status == 200);
        }
        // Every replaced configuration drained while wrk kept sending.
        REQUIRE(poll_until([&] { return occurrences(run.pogo->stderr_text(), "server stopped") >= stopped + reloads; }));
        std::string out = wrk.stop();
        INFO(out);
        INFO(run.pogo->describe());
        WrkSummary s = parse_wrk(out);
        CHECK(s.requests > 0);
        CHECK(s.connect == 0);
        CHECK(s.read == 0);
        CHECK(s.write == 0);
        CHECK(s.timeout == 0);
        CHECK(s.non_2xx == 0);
        MESSAGE(std::string(path) << ": " << s.requests << " requests across " << reloads << " reloads, none failed");
    }
    CHECK(run.pogo->stop() == 0);
}

TEST_CASE("SIGUSR1 reloads the file: unchanged is a no-op; thread counts and php_ini take effect") {
    AdminRun run;
    run.start();
    std::string boot = run.boot();
    kill(run.pogo->pid(), SIGUSR1);
    REQUIRE(run.pogo->wait_stderr("config is unchanged"));
    CHECK(run.boot() == boot);

    // php_ini: the engine restarts with the new setting.
    std::string with_ini = caddyfile(run.port, run.admin_port, 2);
    with_ini.replace(with_ini.find("\t\tnum_threads 4\n"), 0, "\t\tphp_ini precision 7\n");
    write_file(run.dir / "Caddyfile", with_ini);
    HttpClient c;
    CHECK(c.get(run.url("/classic.php")).body == "classic 14");
    kill(run.pogo->pid(), SIGUSR1);
    REQUIRE(poll_until([&] { return c.get(run.url("/classic.php")).body == "classic 7"; }));
    CHECK(run.boot() != boot);

    // Thread counts: /frankenphp/threads sees the new regular threads (6 in all, 2 of them the worker's).
    std::string more = with_ini;
    more.replace(more.find("num_threads 4"), 13, "num_threads 6");
    write_file(run.dir / "Caddyfile", more);
    kill(run.pogo->pid(), SIGUSR1);
    REQUIRE(poll_until([&] {
        Response t = run.send("GET", "/frankenphp/threads");
        return t.status == 200 && body_json(t)["ThreadDebugStates"].size() == 4;
    }));
    CHECK(c.get(run.url("/classic.php")).body == "classic 7");

    // A file that does not parse: logged, the old configuration serves on.
    write_file(run.dir / "Caddyfile", more + "\nhttp://127.0.0.1:1 {\n\tnot_a_directive\n}\n");
    kill(run.pogo->pid(), SIGUSR1);
    REQUIRE(run.pogo->wait_stderr("reload failed; the previous configuration keeps serving"));
    CHECK(c.get(run.url("/classic.php")).body == "classic 7");
    CHECK(run.pogo->stop() == 0);
}
