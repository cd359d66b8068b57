// Metrics after known traffic, through the real `pogo run`: the counts are exact, and promtool
// accepts the exposition. The admin API is not involved: POGO_METRICS_DUMP=FILE makes the process
// write metrics::render() to FILE on SIGUSR2 (cli/metrics_dump.h).
//
// Traffic: 7 GETs of a PHP script, 3 of a static file, 2 of a worker, and one page that runs 4
// Pogo jobs (2 ok, 1 error, 1 timeout); then 2 more worker requests whose script ends after its
// answer, once cleanly (a restart) and once with exit(1) (a crash).
#include <filesystem>
#include <map>
#include <sstream>

#include "tests/e2e/command.h"
#include "tests/e2e/common.h"

namespace fs = std::filesystem;
using namespace e2e;

namespace {

fs::path app() { return fs::canonical(fixtures_dir() / "metrics_app"); }
fs::path jobs_worker() { return fs::canonical(fixtures_dir() / "jobs_app" / "workers" / "default.php"); }

struct Server {
    TempDir dir;
    int port = 0;
    std::unique_ptr<PogoProcess> pogo;
    fs::path dump() const { return dir / "metrics.txt"; }
    std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port) + path; }
};

std::unique_ptr<Server> start(bool metrics) {
    auto s = std::make_unique<Server>();
    s->port = free_port();
    std::string caddyfile = std::string("{\n\tauto_https off\n\tadmin off\n") + (metrics ? "\tmetrics\n" : "") +
                            "\tfrankenphp {\n\t\tnum_threads 4\n\t\tworker {\n\t\t\tfile " + (app() / "worker.php").string() +
                            "\n\t\t\tnum 1\n\t\t\tname metrics-worker\n\t\t}\n\t}\n" +
                            "\tpogo {\n\t\tpool default {\n\t\t\tworker " + jobs_worker().string() +
                            "\n\t\t\tnum_threads 2\n\t\t\tmax_wait 10s\n\t\t}\n\t}\n}\n" + "http://127.0.0.1:" +
                            std::to_string(s->port) + " {\n\troot * " + app().string() + "\n\tphp_server\n}\n";
    write_file(s->dir / "Caddyfile", caddyfile);
    s->pogo = std::make_unique<PogoProcess>(std::vector<std::string>{"run", "--config", (s->dir / "Caddyfile").string()},
                                            std::vector<std::string>{"POGO_METRICS_DUMP=" + s->dump().string()});
    REQUIRE_MESSAGE(s->pogo->wait_listening(), s->pogo->describe());
    return s;
}

// Asks for a dump and waits for it (the file is renamed into place whole).
std::string dump(const Server& s) {
    std::error_code ec;
    fs::remove(s.dump(), ec);
    REQUIRE(::kill(s.pogo->pid(), SIGUSR2) == 0);
    REQUIRE_MESSAGE(poll_until([&] { return fs::exists(s.dump()); }), s.pogo->describe());
    return read_file(s.dump());
}

// The samples of an exposition: "name{labels}" -> value text.
std::map<std::string, std::string> samples(const std::string& text) {
    std::map<std::string, std::string> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        size_t sp = line.rfind(' ');
        out[line.substr(0, sp)] = line.substr(sp + 1);
    }
    return out;
}

void send_traffic(const Server& s) {
    HttpClient client;
    for (int i = 0; i < 7; ++i) REQUIRE(client.get(s.url("/hello.php")).body == "hello\n");
    for (int i = 0; i < 3; ++i) REQUIRE(client.get(s.url("/static.txt")).body == "static file\n");
    for (int i = 0; i < 2; ++i) REQUIRE(client.get(s.url("/worker.php")).body == "worker\n");
    Response jobs = client.get(s.url("/jobs.php"));
    INFO(jobs.describe());
    REQUIRE(jobs.body == "ok\nok\nerror\ntimeout\n");
    REQUIRE(client.get(s.url("/worker.php?end=restart")).body == "worker\n");
    REQUIRE(client.get(s.url("/worker.php?end=crash")).body == "worker\n");
}

// What promtool reports that is not an error: the lint findings FrankenPHP's own exposition has
// too (counters without _total, families without HELP, as its Go code registers them).
bool known_lint(const std::string& line) {
    static const std::string known[] = {
        "frankenphp_worker_request_count counter metrics should have \"_total\" suffix",
        "frankenphp_worker_request_count no help text",
        "frankenphp_worker_request_count non-histogram and non-summary metrics should not have \"_count\" suffix",
        "frankenphp_worker_request_time counter metrics should have \"_total\" suffix",
        "frankenphp_worker_request_time no help text",
        "frankenphp_worker_crashes counter metrics should have \"_total\" suffix",
        "frankenphp_worker_restarts counter metrics should have \"_total\" suffix",
        "frankenphp_worker_queue_depth no help text",
    };
    for (const auto& k : known)
        if (line == k) return true;
    return false;
}

}  // namespace

TEST_CASE("metrics on: exact counts after known traffic, and promtool accepts the exposition") {
    auto s = start(true);
    send_traffic(*s);
    // A request is counted when its stream resets, just after the client has its response: poll.
    std::map<std::string, std::string> m;
    std::string text;
    bool settled = poll_until([&] {
        text = dump(*s);
        m = samples(text);
        // ... and the worker's script is booted again after its crash.
        return m["caddy_http_requests_total{handler=\"php\",server=\"srv0\"}"] == "12" &&
               m["pogo_jobs_total{outcome=\"timeout\",pool=\"default\"}"] == "1" &&
               m["frankenphp_worker_crashes{worker=\"metrics-worker\"}"] == "1" &&
               m["frankenphp_ready_workers{worker=\"metrics-worker\"}"] == "1";
    });
    INFO(text);
    REQUIRE(settled);

    // Caddy's HTTP metrics: 7 scripts + 4 worker requests + the jobs page are php, 3 static files.
    CHECK(m["caddy_http_requests_total{handler=\"file_server\",server=\"srv0\"}"] == "3");
    CHECK(m["caddy_http_requests_in_flight{handler=\"php\",server=\"srv0\"}"] == "0");
    CHECK(m["caddy_http_request_errors_total{handler=\"php\",server=\"srv0\"}"] == "0");
    CHECK(m["caddy_http_request_duration_seconds_count{code=\"200\",handler=\"php\",method=\"GET\",server=\"srv0\"}"] == "12");
    CHECK(m["caddy_http_request_duration_seconds_bucket{code=\"200\",handler=\"file_server\",method=\"GET\",server=\"srv0\",le=\"+Inf\"}"] == "3");
    CHECK(m["caddy_http_response_size_bytes_sum{code=\"200\",handler=\"file_server\",method=\"GET\",server=\"srv0\"}"] == "36");
    CHECK(m["caddy_http_response_duration_seconds_count{code=\"200\",handler=\"file_server\",method=\"GET\",server=\"srv0\"}"] == "3");
    CHECK(m["caddy_http_request_size_bytes_count{code=\"200\",handler=\"php\",method=\"GET\",server=\"srv0\"}"] == "12");
    CHECK(text.find("# HELP caddy_http_requests_total Counter of HTTP(S) requests made.\n") != std::string::npos);

    // FrankenPHP's: 4 threads in all, the worker's one thread ready (again) and idle.
    CHECK(m["frankenphp_total_threads"] == "4");
    CHECK(m["frankenphp_queue_depth"] == "0");
    CHECK(m["frankenphp_total_workers{worker=\"metrics-worker\"}"] == "1");
    CHECK(m["frankenphp_ready_workers{worker=\"metrics-worker\"}"] == "1");
    CHECK(m["frankenphp_busy_workers{worker=\"metrics-worker\"}"] == "0");
    CHECK(m["frankenphp_worker_queue_depth{worker=\"metrics-worker\"}"] == "0");
    CHECK(m["frankenphp_worker_request_count{worker=\"metrics-worker\"}"] == "4");
    CHECK(m["frankenphp_worker_restarts{worker=\"metrics-worker\"}"] == "1");
    CHECK(m.count("frankenphp_worker_request_time{worker=\"metrics-worker\"}") == 1);

    // Pogo's pool: one job of each kind the page ran.
    CHECK(m["pogo_jobs_total{outcome=\"ok\",pool=\"default\"}"] == "2");
    CHECK(m["pogo_jobs_total{outcome=\"error\",pool=\"default\"}"] == "1");
    CHECK(m["pogo_jobs_total{outcome=\"cancelled\",pool=\"default\"}"] == "0");
    CHECK(m["pogo_jobs_total{outcome=\"expired\",pool=\"default\"}"] == "0");
    CHECK(m["pogo_pool_workers{pool=\"default\"}"] == "2");
    CHECK(m["pogo_pool_queue_depth{pool=\"default\"}"] == "0");
    CHECK(m["pogo_job_queue_wait_seconds_count{pool=\"default\"}"] == "4");

    for (const char* name : {"process_cpu_seconds_total", "process_open_fds", "process_max_fds",
                             "process_resident_memory_bytes", "process_virtual_memory_bytes",
                             "process_start_time_seconds"})
        CHECK_MESSAGE(m.count(name) == 1, name);

    // promtool exits 1 on a format error ("error while linting: ..."), 3 when it has lint findings
    // only; those must all be the known ones.
    std::string promtool = require_tool("promtool");
    CommandResult r = run_command({promtool, "check", "metrics"}, CommandOptions{text});
    INFO(r.describe());
    CHECK((r.exit_code == 0 || r.exit_code == 3));
    CHECK(r.out.find("error") == std::string::npos);
    CHECK(r.err.find("error") == std::string::npos);
    std::istringstream lines(r.out + r.err);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.empty()) continue;
        CHECK_MESSAGE(known_lint(line), "promtool: " << line);
    }
    CHECK(s->pogo->stop() == 0);
}

TEST_CASE("metrics off: no caddy_http_ family, FrankenPHP's and Pogo's still there") {
    auto s = start(false);
    HttpClient client;
    REQUIRE(client.get(s->url("/hello.php")).status == 200);
    REQUIRE(client.get(s->url("/worker.php")).status == 200);
    std::string text;
    REQUIRE(poll_until([&] {
        text = dump(*s);
        return samples(text)["frankenphp_worker_request_count{worker=\"metrics-worker\"}"] == "1";
    }));
    INFO(text);
    CHECK(text.find("caddy_http_") == std::string::npos);
    CHECK(text.find("\nfrankenphp_total_threads 4\n") != std::string::npos);
    CHECK(text.find("\npogo_pool_workers{pool=\"default\"} 2\n") != std::string::npos);
    CHECK(s->pogo->stop() == 0);
}
