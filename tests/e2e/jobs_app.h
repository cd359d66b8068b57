// The Pogo jobs fixture (tests/fixtures/jobs_app) served by `pogo run`: a Caddyfile written at test
// time on a free loopback port, with four pools whose workers report their pool's name —
// default (4 threads), other (2), tiny (1 thread, max_wait 1s) and solo (1 thread, max_wait 10s).
// Shared by the tests/e2e/jobs_*_test.cpp files.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "tests/e2e/common.h"

namespace e2e::jobs {

namespace fs = std::filesystem;


inline fs::path app_dir() { return fs::canonical(fixtures_dir() / "jobs_app"); }

inline std::string pool_block(const std::string& name, int threads, const std::string& max_wait) {
    return "\t\tpool " + name + " {\n\t\t\tworker " + (app_dir() / "workers" / (name + ".php")).string() +
           "\n\t\t\tnum_threads " + std::to_string(threads) + "\n\t\t\tmax_wait " + max_wait + "\n\t\t}\n";
}

// The running server and the directory its Caddyfile (and the tests' side-effect files) live in.
struct JobsServer {
    TempDir dir;
    int port = 0;
    std::unique_ptr<PogoProcess> pogo;

    std::string url(const std::string& path_and_query) const {
        return "http://127.0.0.1:" + std::to_string(port) + path_and_query;
    }
};

inline std::unique_ptr<JobsServer> start_jobs_server() {
    auto s = std::make_unique<JobsServer>();
    s->port = free_port();
    std::string caddyfile = "{\n\tauto_https off\n\tadmin off\n\tfrankenphp {\n\t\tnum_threads 8\n\t}\n\tpogo {\n" +
                            pool_block("default", 4, "10s") + pool_block("other", 2, "10s") +
                            pool_block("tiny", 1, "1s") + pool_block("solo", 1, "10s") + "\t}\n}\n" +
                            "http://127.0.0.1:" + std::to_string(s->port) + " {\n\troot * " +
                            (app_dir() / "public").string() + "\n\tphp_server\n}\n";
    write_file(s->dir / "Caddyfile", caddyfile);
    s->pogo = std::make_unique<PogoProcess>(std::vector<std::string>{"run", "--config", (s->dir / "Caddyfile").string()});
    REQUIRE_MESSAGE(s->pogo->wait_listening(), s->pogo->describe());
    return s;
}

// GET `path` and its JSON body; fails the test unless the status is 200.
inline json get_json(HttpClient& client, const JobsServer& s, const std::string& path) {
    Response r = client.get(s.url(path));
    INFO(r.describe());
    INFO(s.pogo->describe());
    REQUIRE(r.status == 200);
    return body_json(r);
}

// Asserts that an attempt() outcome (tests/fixtures/jobs_app/public/lib.php) is a thrown `cls`
// with exactly `message`, and that it is a RuntimeException as the spec promises.
inline void check_thrown(const json& outcome, const std::string& cls, const std::string& message) {
    INFO(outcome.dump());
    CHECK(outcome["ok"] == false);
    CHECK(outcome["class"] == cls);
    CHECK(outcome["message"] == message);
    CHECK(outcome["runtime"] == true);
}

}  // namespace e2e::jobs
