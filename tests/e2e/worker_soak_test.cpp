// Worker mode over time and on the wire: a 10,000-request soak keeps memory flat (per-request
// state is really released), and headers_send(103) reaches the client as an interim response
// before the final one.
#include <fstream>
#include <string>

#include "tests/e2e/common.h"

using namespace e2e;

namespace {

std::filesystem::path soak_root() { return std::filesystem::canonical(fixtures_dir() / "worker_soak"); }

std::unique_ptr<PogoProcess> start_soak_server() {
    std::vector<std::string> env;
#if defined(__SANITIZE_ADDRESS__)
    // Under ASan, freed memory sits in a quarantine (256 MiB by default) that grows the RSS of a
    // leak-free process; without it the RSS measures what the server really keeps.
    env.push_back("ASAN_OPTIONS=detect_leaks=0:quarantine_size_mb=0:thread_local_quarantine_size_kb=0");
#endif
    return start_php_server(soak_root(), {"--worker", (soak_root() / "index.php").string() + ",2"}, env);
}

// Resident set size of a process in KiB, from /proc.
long rss_kib(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    return -1;
}

void serve_n(PogoProcess& server, HttpClient& client, int n, int offset) {
    for (int i = 0; i < n; ++i) {
        Response r = client.get(server.url("/?n=" + std::to_string(offset + i)));
        if (r.status != 200) {
            INFO(r.describe());
            INFO(server.describe());
            REQUIRE(r.status == 200);
        }
    }
}

}  // namespace

TEST_CASE("worker soak: 10,000 requests keep the RSS flat") {
    auto server = start_soak_server();
    HttpClient client;
    // Warm up: OPcache, allocator arenas and PHP's per-thread caches reach their steady size.
    serve_n(*server, client, 1000, 0);
    long after_warmup = rss_kib(server->pid());
    REQUIRE(after_warmup > 0);
    serve_n(*server, client, 10000, 1000);
    long after_soak = rss_kib(server->pid());
    REQUIRE(after_soak > 0);
    MESSAGE("RSS after 1,000 requests: " << after_warmup << " KiB; after 11,000: " << after_soak << " KiB");
    // A leak of per-request state (superglobals, the 200-row array, headers, cookies) would cost
    // at least ~10 KiB a request, i.e. ~100 MiB over the soak; allow 16 MiB of allocator noise.
    CHECK(after_soak - after_warmup < 16 * 1024);
    Response last = client.get(server->url("/?n=last"));
    REQUIRE(last.status == 200);
    json j = body_json(last);
    CHECK(j["rows"] == 200);
}

TEST_CASE("worker: headers_send(103) reaches the client as Early Hints before the final response") {
    auto server = start_soak_server();
    RawConnection conn(server->port());
    REQUIRE(conn.connected());
    REQUIRE(conn.send("GET /?hints=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
    REQUIRE(conn.read_until("\"served\""));
    const std::string& got = conn.received();
    INFO(got);
    size_t interim = got.find("HTTP/1.1 103 ");
    size_t final_status = got.find("HTTP/1.1 200 ");
    REQUIRE(interim != std::string::npos);
    REQUIRE(final_status != std::string::npos);
    CHECK(interim < final_status);
    // The Link header travels in the interim response.
    size_t link = got.find("Link: </style.css>; rel=preload; as=style");
    REQUIRE(link != std::string::npos);
    CHECK(link < final_status);
}
