// The admin API of `pogo run` end to end: Laravel Octane's exact sequence, every endpoint, the
// Host check, `pogo reload` and `pogo stop`, CADDY_ADMIN and `admin off`.
#include <chrono>
#include <thread>

#include "tests/e2e/admin_support.h"

using namespace e2e_admin;

TEST_CASE("Laravel Octane: start, poll /config/apps/frankenphp, PATCH it back to reload the workers, POST /stop") {
    AdminRun run;
    run.start();
    // Octane polls until the frankenphp app answers 2xx.
    Response app;
    REQUIRE(poll_until([&] {
        app = run.send("GET", "/config/apps/frankenphp");
        return app.status >= 200 && app.status < 300;
    }));
    json frankenphp = body_json(app);
    CHECK(frankenphp.contains("workers"));
    std::string before = run.boot();
    CHECK(run.boot() == before);  // the same worker boot serves on

    // Its reload: the same document, must-revalidate (a forced reload).
    Response patch = run.send("PATCH", "/config/apps/frankenphp", app.body,
                              {"Content-Type: application/json", "Cache-Control: must-revalidate"});
    INFO(patch.describe());
    INFO(run.pogo->describe());
    CHECK(patch.status == 200);
    // The keep-alive connection gets its last request from the old configuration ("Connection:
    // close"); the next one reaches the new worker threads, which booted the script again.
    std::string after;
    CHECK(poll_until([&] { return (after = run.boot()) != before; }));
    CHECK(run.pogo->stderr_text().find("load complete") != std::string::npos);
    // The same PATCH, not forced: nothing to do.
    Response same = run.send("PATCH", "/config/apps/frankenphp", app.body, {"Content-Type: application/json"});
    CHECK(same.status == 200);
    CHECK(run.boot() == after);

    Response stop = run.send("POST", "/stop");
    CHECK(stop.status == 200);
    CHECK(run.pogo->wait_exit() == 0);
}

TEST_CASE("admin endpoints: config with Etag, adapt, load, metrics, threads, workers/restart, errors") {
    AdminRun run;
    run.start();
    Response cfg = run.send("GET", "/config/");
    INFO(cfg.describe());
    REQUIRE(cfg.status == 200);
    CHECK(cfg.header("Content-Type") == "application/json");
    CHECK(cfg.header("Etag").rfind("\"/config/ ", 0) == 0);
    json doc = body_json(cfg);
    CHECK(doc.contains("apps"));
    CHECK(doc["apps"].contains("http"));
    CHECK(doc["apps"].contains("frankenphp"));

    // A Host the admin address does not allow: refused (DNS rebinding).
    Response foreign = run.send("GET", "/config/", "", {"Host: attacker.example:" + std::to_string(run.admin_port)});
    CHECK(foreign.status == 403);
    CHECK(body_json(foreign)["error"] == "host not allowed: attacker.example:" + std::to_string(run.admin_port));
    CHECK(run.send("GET", "/stop").status == 405);
    CHECK(run.send("PUT", "/metrics").status == 405);
    CHECK(run.send("GET", "/nowhere").status == 404);

    Response adapted = run.send("POST", "/adapt", "http://127.0.0.1:1 {\n\trespond hi\n}\n", {"Content-Type: text/caddyfile"});
    CHECK(adapted.status == 200);
    CHECK(body_json(adapted)["result"].contains("sites"));

    Response metrics = run.send("GET", "/metrics");
    CHECK(metrics.status == 200);
    CHECK(metrics.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8");
    CHECK(metrics.body.find("frankenphp_total_threads") != std::string::npos);
    CHECK(metrics.body.find("caddy_config_last_reload_successful 1") != std::string::npos);
    // The admin API counts its own requests, as Caddy does (the 403 and the two 405s above among them).
    CHECK(metrics.body.find("caddy_admin_http_requests_total{code=\"403\",handler=\"config\",method=\"GET\",path=\"/config/\"} 1") !=
          std::string::npos);

    Response threads = run.send("GET", "/frankenphp/threads");
    CHECK(threads.status == 200);
    json t = body_json(threads);
    REQUIRE(t["ThreadDebugStates"].is_array());
    CHECK(t["ThreadDebugStates"].size() == 4);  // num_threads 4: 3 regular, 1 for the worker
    for (const char* key : {"Index", "Name", "State", "IsWaiting", "IsBusy", "WaitingSinceMilliseconds", "CurrentURI",
                            "CurrentMethod", "RequestStartedAt", "RequestCount", "MemoryUsage"})
        CHECK_MESSAGE(t["ThreadDebugStates"][0].contains(key), key);
    CHECK(t.contains("ReservedThreadCount"));

    std::string before = run.boot();
    Response restart = run.send("POST", "/frankenphp/workers/restart");
    CHECK(restart.status == 200);
    CHECK(restart.body == "workers restarted successfully\n");
    CHECK(poll_until([&] { return run.boot() != before; }));

    // POST /load with a Caddyfile: the new one serves; a broken one is refused and the old serves on.
    std::string next = caddyfile(run.port, run.admin_port, 1, "", "\trespond /hello \"new config\"\n");
    Response load = run.send("POST", "/load", next, {"Content-Type: text/caddyfile"});
    INFO(load.describe());
    CHECK(load.status == 200);
    CHECK(poll_until([&] { return run.client.get(run.url("/hello")).body == "new config"; }));
    Response broken = run.send("POST", "/load", next + "\nhttp://127.0.0.1:1 {\n\tno_such_directive\n}\n",
                               {"Content-Type: text/caddyfile"});
    CHECK(broken.status == 400);
    CHECK(body_json(broken)["error"].get<std::string>().find("Caddyfile:") != std::string::npos);
    CHECK(run.client.get(run.url("/hello")).body == "new config");
    // One that adapts but cannot start (an address this machine does not have): refused, and the
    // metrics say the last reload failed.
    Response unbindable = run.send("POST", "/load",
                                   next + "http://192.0.2.1:" + std::to_string(free_port()) + " {\n\tbind 192.0.2.1\n\trespond x\n}\n",
                                   {"Content-Type: text/caddyfile"});
    CHECK(unbindable.status == 400);
    CHECK(run.client.get(run.url("/hello")).body == "new config");
    CHECK(run.send("GET", "/metrics").body.find("caddy_config_last_reload_successful 0") != std::string::npos);

    // A /config edit: the site's handlers replaced through JSON.
    Response edit = run.send("POST", "/load", cfg.body, {"Content-Type: application/json"});
    CHECK(edit.status == 200);
    CHECK(poll_until([&] { return run.client.get(run.url("/hello")).status == 404; }));
    CHECK(run.pogo->stop() == 0);
}

// The rows of /frankenphp/threads named `name`.
static std::vector<json> rows_named(const json& doc, const std::string& name) {
    std::vector<json> out;
    for (const json& row : doc["ThreadDebugStates"])
        if (row["Name"] == name) out.push_back(row);
    return out;
}

static uint64_t requests_of(const std::vector<json>& rows) {
    uint64_t n = 0;
    for (const json& row : rows) n += row["RequestCount"].get<uint64_t>();
    return n;
}

TEST_CASE("/frankenphp/threads: every regular, worker and pool thread, the request each serves, counts, memory") {
    AdminRun run;
    const std::string solo = std::filesystem::canonical(fixtures_dir() / "jobs_app" / "workers" / "solo.php").string();
    const std::string echo = std::filesystem::canonical(fixtures_dir() / "jobs_app" / "public" / "echo.php").string();
    std::string config = "{\n\tadmin 127.0.0.1:" + std::to_string(run.admin_port) +
                         "\n\tfrankenphp {\n\t\tnum_threads 4\n\t\tmax_threads 6\n\t\tworker {\n\t\t\tfile ./worker.php\n"
                         "\t\t\tnum 2\n\t\t}\n\t}\n\tpogo {\n\t\tpool default {\n\t\t\tworker " + solo +
                         "\n\t\t\tnum_threads 1\n\t\t}\n\t}\n}\n\nhttp://127.0.0.1:" + std::to_string(run.port) +
                         " {\n\troot * .\n\tphp_server\n}\n";
    run.start(config);
    write_file(run.dir / "hold.php",
               "<?php while (file_exists(__DIR__ . '/hold')) { usleep(5000); clearstatcache(); }\n"
               "$kept = str_repeat('x', 3000000); echo 'held ', strlen($kept);");
    write_file(run.dir / "job.php", "<?php require '" + echo + "';");
    const std::string worker_name = "Worker PHP Thread - " + std::filesystem::canonical(run.dir / "worker.php").string();
    auto threads = [&] {
        Response r = run.send("GET", "/frankenphp/threads");
        INFO(r.describe());
        REQUIRE(r.status == 200);
        return body_json(r);
    };
    // Every thread waits once the workers have booted.
    json idle;
    REQUIRE(poll_until([&] {
        idle = threads();
        for (const json& row : idle["ThreadDebugStates"])
            if (!row["IsWaiting"].get<bool>()) return false;
        return idle["ThreadDebugStates"].size() == 5;
    }));
    INFO(idle.dump(2));
    CHECK(rows_named(idle, "Regular PHP Thread").size() == 2);
    CHECK(rows_named(idle, worker_name).size() == 2);
    CHECK(rows_named(idle, "Pogo Pool Thread - default").size() == 1);
    CHECK(idle["ReservedThreadCount"] == 2);  // max_threads 6, 4 running
    for (size_t i = 0; i < idle["ThreadDebugStates"].size(); ++i) {
        const json& row = idle["ThreadDebugStates"][i];
        CHECK(row["Index"] == i);
        CHECK(row["State"] == "ready");
        CHECK(row["IsBusy"] == false);
        CHECK(row["CurrentURI"] == "");
        CHECK(row["CurrentMethod"] == "");
        CHECK(row["RequestStartedAt"] == 0);
        CHECK(row["WaitingSinceMilliseconds"].get<int64_t>() >= 0);
    }

    // Known traffic: 3 classic requests, 2 worker requests, 1 job; the counts move by exactly that.
    for (int i = 0; i < 3; ++i) CHECK(run.client.get(run.url("/classic.php")).status == 200);
    for (int i = 0; i < 2; ++i) run.boot();
    Response job = run.client.get(run.url("/job.php?pool=default&tag=t"));
    INFO(job.describe());
    CHECK(job.status == 200);
    CHECK(job.body.find("\"ok\":true") != std::string::npos);
    json after;
    REQUIRE(poll_until([&] {
        after = threads();
        return requests_of(rows_named(after, "Regular PHP Thread")) == requests_of(rows_named(idle, "Regular PHP Thread")) + 4 &&
               requests_of(rows_named(after, worker_name)) == requests_of(rows_named(idle, worker_name)) + 2 &&
               requests_of(rows_named(after, "Pogo Pool Thread - default")) ==
                   requests_of(rows_named(idle, "Pogo Pool Thread - default")) + 1;
    }));  // 4 regular: the 3 classic requests and job.php
    for (const json& row : rows_named(after, worker_name)) CHECK(row["MemoryUsage"].get<uint64_t>() > 0);

    // A request in flight: its thread is busy and says what it serves, since when.
    write_file(run.dir / "hold", "");
    const int64_t before_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::system_clock::now().time_since_epoch()).count();
    Response held;
    std::thread holder([&] {
        HttpClient c;
        held = c.get(run.url("/hold.php?n=1"));
    });
    json busy;
    bool seen = poll_until([&] {
        busy = threads();
        for (const json& row : busy["ThreadDebugStates"])
            if (row["CurrentURI"] == "/hold.php?n=1") return true;
        return false;
    });
    std::filesystem::remove(run.dir / "hold");
    holder.join();
    REQUIRE(seen);
    CHECK(held.body == "held 3000000");
    for (const json& row : busy["ThreadDebugStates"]) {
        if (row["CurrentURI"] != "/hold.php?n=1") continue;
        INFO(row.dump());
        CHECK(row["Name"] == "Regular PHP Thread");
        CHECK(row["CurrentMethod"] == "GET");
        CHECK(row["IsBusy"] == true);
        CHECK(row["IsWaiting"] == false);
        CHECK(row["WaitingSinceMilliseconds"] == 0);
        CHECK(row["RequestStartedAt"].get<int64_t>() >= before_ms - 1000);
        CHECK(row["RequestStartedAt"].get<int64_t>() <= before_ms + 60000);
        // Its memory, read as the script ended: at least the 3 MB string it still held.
        const int64_t index = row["Index"].get<int64_t>();
        CHECK(poll_until([&] { return threads()["ThreadDebugStates"][index]["MemoryUsage"].get<uint64_t>() >= 3000000; }));
    }
    CHECK(run.pogo->stop() == 0);
}

TEST_CASE("pogo reload and pogo stop talk to the admin API; a broken Caddyfile is refused with file:line") {
    AdminRun run;
    run.start();
    std::string before = run.boot();
    // Unchanged: nothing reloads.
    RunResult same = run_pogo({"reload", "--config", run.caddyfile_path()});
    CHECK_MESSAGE(same.exit_code == 0, same.err);
    CHECK(run.boot() == before);
    // Forced: the workers boot again.
    RunResult forced = run_pogo({"reload", "--config", run.caddyfile_path(), "--force"});
    CHECK_MESSAGE(forced.exit_code == 0, forced.err);
    std::string after;
    CHECK(poll_until([&] { return (after = run.boot()) != before; }));
    // An invalid Caddyfile is refused before anything is sent.
    write_file(run.dir / "Caddyfile", caddyfile(run.port, run.admin_port) + "http://127.0.0.1:1 {\n\tbogus\n}\n");
    RunResult bad = run_pogo({"reload", "--config", run.caddyfile_path()});
    CHECK(bad.exit_code == 1);
    CHECK(bad.err.find("Caddyfile:") != std::string::npos);
    // One the server refuses (an address this machine does not have) comes back as its error.
    write_file(run.dir / "Caddyfile",
               caddyfile(run.port, run.admin_port) + "http://192.0.2.1:" + std::to_string(free_port()) +
                   " {\n\tbind 192.0.2.1\n\trespond x\n}\n");
    RunResult refused = run_pogo({"reload", "--config", run.caddyfile_path()});
    CHECK(refused.exit_code == 1);
    CHECK(refused.err.find("pogo responded with error: HTTP 400") != std::string::npos);
    CHECK(run.boot() == after);  // the old configuration serves on
    RunResult stop = run_pogo({"stop", "--address", "127.0.0.1:" + std::to_string(run.admin_port)});
    CHECK_MESSAGE(stop.exit_code == 0, stop.err);
    CHECK(run.pogo->wait_exit() == 0);
}

TEST_CASE("CADDY_ADMIN sets the address when the Caddyfile does not; admin off turns it off") {
    TempDir dir;
    write_app(dir);
    int port = free_port(), admin_port = free_port();
    write_file(dir / "Caddyfile", "http://127.0.0.1:" + std::to_string(port) + " {\n\trespond ok\n}\n");
    std::filesystem::current_path(dir.path());
    {
        PogoProcess pogo({"run"}, {"CADDY_ADMIN=127.0.0.1:" + std::to_string(admin_port)});
        REQUIRE_MESSAGE(pogo.wait_listening(), pogo.describe());
        REQUIRE(pogo.wait_stderr("admin endpoint started"));
        HttpClient c;
        CHECK(c.get("http://127.0.0.1:" + std::to_string(admin_port) + "/config/").status == 200);
        CHECK(pogo.stop() == 0);
    }
    write_file(dir / "Caddyfile", "{\n\tadmin off\n}\nhttp://127.0.0.1:" + std::to_string(port) + " {\n\trespond ok\n}\n");
    PogoProcess pogo({"run"}, {"CADDY_ADMIN=127.0.0.1:" + std::to_string(admin_port)});
    REQUIRE_MESSAGE(pogo.wait_listening(), pogo.describe());
    HttpClient c;
    CHECK(c.get("http://127.0.0.1:" + std::to_string(port) + "/").body == "ok");
    CHECK(c.get("http://127.0.0.1:" + std::to_string(admin_port) + "/config/").status == 0);
    CHECK(pogo.stderr_text().find("admin endpoint started") == std::string::npos);
    CHECK(pogo.stop() == 0);
}

TEST_CASE("pogo health probes the admin API: /metrics (liveness), --ready (readiness); exit 1 when nothing answers") {
    AdminRun run;
    run.start();
    const std::string address = "127.0.0.1:" + std::to_string(run.admin_port);
    // No --address: the admin option of ./Caddyfile (run.start() made its directory the cwd).
    RunResult live = run_pogo({"health"});
    CHECK_MESSAGE(live.exit_code == 0, live.err);
    CHECK(live.out == "pogo health: " + address + "/metrics answered 200\n");
    RunResult ready = run_pogo({"health", "--ready", "--address", address, "--timeout", "2.5"});
    CHECK_MESSAGE(ready.exit_code == 0, ready.err);
    CHECK(ready.out == "pogo health: " + address + "/ready answered 200\n");

    RunResult nothing = run_pogo({"health", "--address", "127.0.0.1:" + std::to_string(free_port())});
    CHECK(nothing.exit_code == 1);
    CHECK(nothing.err.find("is pogo running with its admin API there?") != std::string::npos);
    RunResult usage = run_pogo({"health", "--timeout", "soon"});
    CHECK(usage.exit_code == 2);
    CHECK(usage.err.find("--timeout takes a number of seconds, not \"soon\"") != std::string::npos);
    CHECK(run.pogo->stop() == 0);
}
