// Pogo jobs through HTTP, the PHP API side: pogo_dispatch routes to named pools, handles are
// unique and belong to their request, pogo_await's errors are the spec's exception classes with
// the spec's messages, args that are not JSON values are refused with their path, and jobs of one
// request really run at the same time (proved by the jobs' own timestamps, not by wall time).
#include <set>
#include <thread>

#include "tests/e2e/jobs_app.h"

using namespace e2e;
using namespace e2e::jobs;

TEST_CASE("jobs: each pool runs its own jobs; handles are unique across pools and requests") {
    auto s = start_jobs_server();
    HttpClient client;
    std::set<long long> handles;
    for (int round = 0; round < 2; ++round) {
        json j = get_json(client, *s, "/route.php?pools=default,other,tiny,solo");
        REQUIRE(j["jobs"].size() == 12);
        for (const json& job : j["jobs"]) {
            INFO(job.dump());
            long long h = job["handle"];
            CHECK(h > 0);
            CHECK(handles.insert(h).second);  // never seen before, in any pool or request
            CHECK(job["result"]["pool"] == job["pool"]);
            CHECK(job["result"]["args"]["pool"] == job["pool"]);
            CHECK(job["result"]["args"]["i"] == job["i"]);
            CHECK(job["result"]["worker"].is_string());
        }
        // Workers are per pool: no worker thread ran jobs of two pools.
        std::map<std::string, std::string> pool_of_worker;
        for (const json& job : j["jobs"]) {
            auto [it, fresh] = pool_of_worker.emplace(job["result"]["worker"], job["pool"]);
            CHECK(it->second == job["pool"].get<std::string>());
        }
    }
    CHECK(handles.size() == 24);
}

TEST_CASE("jobs: pogo_pool_size is each pool's thread count") {
    auto s = start_jobs_server();
    HttpClient client;
    json j = get_json(client, *s, "/route.php?pools=default,other,tiny,solo");
    CHECK(j["sizes"] == json{{"default", 4}, {"other", 2}, {"tiny", 1}, {"solo", 1}});
}

TEST_CASE("jobs: an unknown pool is a PoolException, from pogo_dispatch and pogo_pool_size") {
    auto s = start_jobs_server();
    HttpClient client;
    json j = get_json(client, *s, "/errors.php?case=unknown_pool");
    check_thrown(j["dispatch"], "Pogo\\PoolException", "unknown Pogo pool \"nope\"");
    check_thrown(j["size"], "Pogo\\PoolException", "unknown Pogo pool \"nope\"");
}

TEST_CASE("jobs: two sleeping jobs and a CPU job of one request run at the same time") {
    auto s = start_jobs_server();
    HttpClient client;
    json j = get_json(client, *s, "/parallel.php");
    INFO(j.dump());
    // Overlap: every job started before any job ended, so at one instant all three were running.
    long long latest_start = 0, earliest_end = LLONG_MAX;
    for (const char* name : {"sleep1", "sleep2", "cpu"}) {
        long long start = j[name]["start_ns"], end = j[name]["end_ns"];
        CHECK(end - start >= 250'000'000LL);
        latest_start = std::max(latest_start, start);
        earliest_end = std::min(earliest_end, end);
    }
    CHECK(latest_start < earliest_end);
    CHECK(j["sleep1"]["pool"] == "default");
    CHECK(j["sleep2"]["pool"] == "default");
    CHECK(j["cpu"]["pool"] == "other");
    CHECK(j["sleep1"]["worker"] != j["sleep2"]["worker"]);
}

TEST_CASE("jobs: a handle is awaited once; the second await is a HandleException") {
    auto s = start_jobs_server();
    HttpClient client;
    json j = get_json(client, *s, "/errors.php?case=await_twice");
    INFO(j.dump());
    CHECK(j["first"]["ok"] == true);
    CHECK(j["first"]["value"]["args"] == json{{"n", 1}});
    check_thrown(j["second"], "Pogo\\HandleException",
                 "unknown or already awaited Pogo handle " + std::to_string(j["handle"].get<long long>()));
}

TEST_CASE("jobs: a handle of another request is a HandleException, while that request lives and after") {
    auto s = start_jobs_server();
    std::string handle_file = (s->dir / "handle").string(), release_file = (s->dir / "release").string();
    Response held;
    std::thread holder([&] {
        HttpClient c;
        held = c.get(s->url("/hold.php?handle_file=" + url_encode(handle_file) +
                            "&release_file=" + url_encode(release_file)));
    });
    bool published = poll_until([&] { return std::filesystem::exists(handle_file); });
    HttpClient client;
    json other;
    std::string handle;
    if (published) {
        handle = read_file(handle_file);
        other = get_json(client, *s, "/await.php?handle=" + handle);
    }
    write_file(release_file, "go");  // whatever happened, let the holder finish
    holder.join();
    REQUIRE(published);
    check_thrown(other["await"], "Pogo\\HandleException", "unknown or already awaited Pogo handle " + handle);

    // The owner could still await it: the other request's attempt took nothing away.
    INFO(held.describe());
    REQUIRE(held.status == 200);
    json mine = body_json(held);
    CHECK(mine["released"] == true);
    CHECK(std::to_string(mine["handle"].get<long long>()) == handle);
    CHECK(mine["await"]["ok"] == true);
    CHECK(mine["await"]["value"]["args"] == json{{"held", true}});

    // A request that ended without awaiting: its handle is gone for everyone.
    json d = get_json(client, *s, "/dispatch.php?tag=orphan");
    json after = get_json(client, *s, "/await.php?handle=" + std::to_string(d["handle"].get<long long>()));
    check_thrown(after["await"], "Pogo\\HandleException",
                 "unknown or already awaited Pogo handle " + std::to_string(d["handle"].get<long long>()));
}

TEST_CASE("jobs: a negative timeout is an ArgumentException and leaves the handle awaitable") {
    auto s = start_jobs_server();
    HttpClient client;
    json j = get_json(client, *s, "/errors.php?case=negative_timeout");
    check_thrown(j["negative"], "Pogo\\ArgumentException", "Pogo await timeout must be >= 0, got -1s");
    INFO(j.dump());
    CHECK(j["again"]["ok"] == true);
    CHECK(j["again"]["value"]["args"] == json{{"n", 2}});
}

TEST_CASE("jobs: a job's exception message reaches pogo_await verbatim as a JobException") {
    auto s = start_jobs_server();
    HttpClient client;
    const std::string message = "price service said \"no\": 503 — réessayez\nline two";
    json j = get_json(client, *s, "/errors.php?case=job_exception&message=" + url_encode(message));
    check_thrown(j["await"], "Pogo\\JobException", message);
}

TEST_CASE("jobs: args that are not JSON values are refused with their path") {
    auto s = start_jobs_server();
    HttpClient client;
    json j = get_json(client, *s, "/errors.php?case=bad_args");
    const std::pair<const char*, const char*> cases[] = {
        {"resource", "args.file: resource is not JSON-compatible"},
        {"closure", "args.cb: closure is not JSON-compatible"},
        {"inf", "args.items[3]: INF is not JSON-compatible"},
        {"nan", "args.deep.n: NAN is not JSON-compatible"},
        {"recursion", "args.a.self: recursion is not JSON-compatible"},
        {"object_recursion", "args.o.me: recursion is not JSON-compatible"},
    };
    for (const auto& [name, message] : cases) {
        CAPTURE(name);
        check_thrown(j[name], "Pogo\\ArgumentException", message);
    }
    INFO(j.dump());
    CHECK(j["after"]["ok"] == true);
    CHECK(j["after"]["value"]["args"] == json{{"fine", true}});
}
