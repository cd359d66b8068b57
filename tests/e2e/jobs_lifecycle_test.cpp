// Pogo jobs through HTTP, the lifecycle side: await timeouts and late results, max_wait on a
// saturated pool, cancellation of what a request never awaited, workers that die mid-job, many
// requests fanning out at once, and a `pogo { }` configuration error. "Never ran" is proved by a
// side effect the job would have had (a file), checked after a later job of the same one-thread
// pool has completed — that pool runs jobs in order, so the cancelled job's turn has passed.
#include <set>

#include "tests/e2e/jobs_app.h"

using namespace e2e;
using namespace e2e::jobs;

namespace {

// A file the job would have created does not appear while we look for a while.
bool stays_absent(const std::filesystem::path& path) {
    return !poll_until([&] { return std::filesystem::exists(path); }, milliseconds(1000));
}

}  // namespace

TEST_CASE("jobs: an await timeout, then the late result leaks into nothing") {
    auto s = start_jobs_server();
    HttpClient client;
    json j = get_json(client, *s, "/late.php");
    check_thrown(j["timeout"], "Pogo\\TimeoutException", "Pogo await timed out after 0.05s");
    std::string late = std::to_string(j["late_handle"].get<long long>());
    check_thrown(j["again"], "Pogo\\HandleException", "unknown or already awaited Pogo handle " + late);
    INFO(j.dump());
    // The same one-thread pool ran the late job and then this one: its own result came back.
    CHECK(j["fresh"]["ok"] == true);
    CHECK(j["fresh"]["value"]["args"] == json{{"tag", "fresh"}});
    // Later requests see only their own results, and the late handle stays unknown.
    for (int i = 0; i < 3; ++i) {
        json n = get_json(client, *s, "/echo.php?pool=solo&tag=next" + std::to_string(i));
        INFO(n.dump());
        CHECK(n["await"]["ok"] == true);
        CHECK(n["await"]["value"]["args"] == json{{"tag", "next" + std::to_string(i)}});
    }
    json gone = get_json(client, *s, "/await.php?handle=" + late);
    check_thrown(gone["await"], "Pogo\\HandleException", "unknown or already awaited Pogo handle " + late);
}

TEST_CASE("jobs: a job that waits past max_wait on a saturated pool fails and never runs") {
    auto s = start_jobs_server();
    HttpClient client;
    auto touched = s->dir / "maxwait-touched";
    json j = get_json(client, *s, "/maxwait.php?path=" + url_encode(touched.string()));
    check_thrown(j["touch"], "Pogo\\TimeoutException",
                 "Pogo job waited longer than max_wait (1s) for a free worker in pool \"tiny\"");
    INFO(j.dump());
    CHECK(j["busy"]["ok"] == true);  // the job that held the worker finished normally
    // The worker is free again and runs the next job; the expired one never ran.
    json n = get_json(client, *s, "/echo.php?pool=tiny&tag=after");
    CHECK(n["await"]["ok"] == true);
    CHECK(n["await"]["value"]["args"] == json{{"tag", "after"}});
    CHECK(stays_absent(touched));
}

TEST_CASE("jobs: a queued job of a request that ended without awaiting never runs") {
    auto s = start_jobs_server();
    HttpClient client;
    auto touched = s->dir / "cancel-touched";
    json c = get_json(client, *s, "/cancel.php?path=" + url_encode(touched.string()));
    REQUIRE(c["handles"].size() == 2);
    // Queued after the cancelled job on the same one-thread pool: once it has run, the cancelled
    // job's turn has come and gone.
    json n = get_json(client, *s, "/echo.php?pool=solo&tag=later");
    INFO(n.dump());
    CHECK(n["await"]["ok"] == true);
    CHECK(n["await"]["value"]["args"] == json{{"tag", "later"}});
    CHECK(stays_absent(touched));
}

TEST_CASE("jobs: a worker that exits or hits a fatal error mid-job fails that job; the pool recovers") {
    auto s = start_jobs_server();
    HttpClient client;
    for (const char* how : {"exit", "fatal", "exit"}) {
        CAPTURE(how);
        json j = get_json(client, *s, std::string("/errors.php?case=crash&pool=other&how=") + how);
        check_thrown(j["crashed"], "Pogo\\JobException", "Pogo worker script died while running the job");
        INFO(j.dump());
        CHECK(j["next"]["ok"] == true);
        CHECK(j["next"]["value"]["args"] == json{{"after", "crash"}});
        CHECK(j["next"]["value"]["pool"] == "other");
    }
    // Back to full strength.
    CHECK(poll_until([&] {
        return get_json(client, *s, "/route.php?pools=other")["sizes"]["other"] == 2;
    }));
    // A one-thread pool recovers too: the only worker died, the next job still runs.
    json t = get_json(client, *s, "/errors.php?case=crash&pool=solo&how=exit");
    check_thrown(t["crashed"], "Pogo\\JobException", "Pogo worker script died while running the job");
    CHECK(t["next"]["ok"] == true);
}

TEST_CASE("jobs: 100 concurrent requests fanning out 8 jobs each: every result right, none lost or run twice") {
    auto s = start_jobs_server();
    auto claims = s->dir / "claims";
    std::filesystem::create_directory(claims);
    constexpr int kRequests = 100, kJobs = 8;
    std::vector<Request> requests(kRequests);
    for (int r = 0; r < kRequests; ++r) {
        requests[r].url = s->url("/fanout.php?r=" + std::to_string(r) + "&dir=" + url_encode(claims.string()));
        requests[r].timeout = milliseconds(60000);
    }
    std::vector<Response> responses = perform_concurrent(requests, milliseconds(120000));
    REQUIRE(responses.size() == kRequests);
    std::set<std::string> nonces;
    for (int r = 0; r < kRequests; ++r) {
        CAPTURE(r);
        INFO(responses[r].describe());
        REQUIRE(responses[r].status == 200);
        json j = body_json(responses[r]);
        CHECK(j["r"] == r);
        const json& out = j["results"];
        INFO(out.dump());
        REQUIRE(out["ok"] == true);
        REQUIRE(out["value"].size() == kJobs);
        for (int i = 0; i < kJobs; ++i) {
            const json& args = out["value"][i]["args"];
            CHECK(args["r"] == r);
            CHECK(args["i"] == i);
            CHECK(args["dir"] == claims.string());
            std::string nonce = args["nonce"];
            CHECK(nonce.rfind(std::to_string(r) + ":" + std::to_string(i) + ":", 0) == 0);
            CHECK(nonces.insert(nonce).second);
            CHECK(out["value"][i]["pool"] == "default");
        }
    }
    // Exactly one claim file per job: none lost, none run twice (a second run fails, see Claim.php).
    size_t files = 0;
    for (const auto& e : std::filesystem::directory_iterator(claims)) {
        (void)e;
        ++files;
    }
    CHECK(files == size_t(kRequests * kJobs));
    CHECK(nonces.size() == size_t(kRequests * kJobs));
}

TEST_CASE("jobs: pogo run refuses a pogo block without a default pool: exit 1 and file:line") {
    TempDir tmp;
    write_file(tmp / "w.php", "<?php\n");
    write_file(tmp / "Caddyfile",
               "{\n\tpogo {\n\t\tpool other {\n\t\t\tworker w.php\n\t\t}\n\t}\n}\n"
               "http://127.0.0.1:" + std::to_string(free_port()) + " {\n\tphp_server\n}\n");
    RunResult r = run_pogo({"run", "--config", (tmp / "Caddyfile").string()});
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("Caddyfile:2: pogo requires a \"default\" pool") != std::string::npos);
}
