// What the admin API and reload tests share: an app directory with a worker, a classic script
// and a static file, written into a TempDir; `pogo run` on it with the admin API on a port of
// its own; and requests to that API.
#pragma once

#include <string>

#include "tests/e2e/common.h"

namespace e2e_admin {

using namespace e2e;

// worker.php answers "boot=<token> n=<requests this boot>", a token drawn when the worker script
// boots; classic.php answers "classic <ini value of precision>"; static.txt is "static".
inline void write_app(const TempDir& dir) {
    write_file(dir / "worker.php", R"(<?php
$boot = bin2hex(random_bytes(6));
$n = 0;
while (frankenphp_handle_request(static function () use ($boot, &$n) {
    $n++;
    echo "boot=$boot n=$n";
})) {}
)");
    write_file(dir / "classic.php", "<?php echo 'classic ', ini_get('precision');");
    write_file(dir / "static.txt", "static");
}

// A Caddyfile serving `dir` on `port`, the admin API on `admin_port`, a worker of `workers`
// threads; `extra_global` and `extra_site` go inside the global block and the site. One worker
// thread by default, so that every request sees the same boot token until the worker restarts.
inline std::string caddyfile(int port, int admin_port, int workers = 1, const std::string& extra_global = "",
                             const std::string& extra_site = "") {
    return "{\n\tadmin 127.0.0.1:" + std::to_string(admin_port) + "\n" + extra_global +
           "\tfrankenphp {\n\t\tnum_threads 4\n\t\tworker {\n\t\t\tfile ./worker.php\n\t\t\tnum " +
           std::to_string(workers) + "\n\t\t}\n\t}\n}\n\nhttp://127.0.0.1:" + std::to_string(port) +
           " {\n\troot * .\n" + extra_site + "\tphp_server\n}\n";
}

struct AdminRun {
    TempDir dir;
    int port = free_port();
    int admin_port = free_port();
    std::unique_ptr<PogoProcess> pogo;
    HttpClient client;

    std::string url(std::string_view path) const { return "http://127.0.0.1:" + std::to_string(port) + std::string(path); }
    std::string admin(std::string_view path) const {
        return "http://127.0.0.1:" + std::to_string(admin_port) + std::string(path);
    }
    std::string caddyfile_path() const { return (dir / "Caddyfile").string(); }

    // Writes the app and `config` (a Caddyfile; caddyfile(port, admin_port) when empty) and starts
    // `pogo run` in the directory, waiting until the site and the admin API answer.
    void start(std::string config = "", std::vector<std::string> extra_args = {}, std::vector<std::string> env = {}) {
        write_app(dir);
        write_file(dir / "Caddyfile", config.empty() ? caddyfile(port, admin_port) : config);
        std::filesystem::current_path(dir.path());
        std::vector<std::string> args = {"run", "--config", "Caddyfile", "--adapter", "caddyfile"};
        args.insert(args.end(), extra_args.begin(), extra_args.end());
        pogo = std::make_unique<PogoProcess>(args, env);
        REQUIRE_MESSAGE(pogo->wait_listening(), pogo->describe());
        REQUIRE_MESSAGE(pogo->wait_stderr("admin endpoint started"), pogo->describe());
    }

    Response send(const std::string& method, std::string_view path, std::string body = "",
                  std::vector<std::string> headers = {}) {
        Request r;
        r.method = method;
        r.url = admin(path);
        r.headers = std::move(headers);
        if (!body.empty() || method == "POST" || method == "PATCH" || method == "PUT") {
            r.body = std::move(body);
            r.has_body = true;
        }
        return client.perform(r);
    }

    // The worker's boot token (what changes when its threads are replaced).
    std::string boot() {
        Response r = client.get(url("/worker.php"));
        INFO(r.describe());
        REQUIRE(r.status == 200);
        REQUIRE(r.body.rfind("boot=", 0) == 0);
        return r.body.substr(5, r.body.find(' ') - 5);
    }
};

}  // namespace e2e_admin
