// Worker restarts through PhpBackend: restart_workers() (FrankenPHP's RestartWorkers), a release
// symlink moved before a restart, and `watch` patterns restarting their own worker. Every wait
// polls with a deadline.
#include <doctest/doctest.h>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "sapi/worker_threads.h"
#include "tests/sapi/harness.h"

using namespace pogo::sapi;
using namespace pogo::sapi::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/pogo-restart-XXXXXX";
    path = fs::canonical(::mkdtemp(tmpl));
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// The worker: boots (a random boot id, the version from version.php), then answers JSON.
const char* const kWorker = R"php(<?php
$boot = bin2hex(random_bytes(6));
$version = require __DIR__ . '/version.php';
while (frankenphp_handle_request(function () use ($boot, $version) {
    echo json_encode(['version' => $version, 'boot' => $boot, 'dir' => __DIR__]);
})) {}
)php";

// Writes `text` and sets the file's mtime `age` in the past (so a later edit moves it).
void write_file(const fs::path& p, const std::string& text, std::chrono::seconds age = std::chrono::seconds(0)) {
  std::ofstream(p, std::ios::trunc) << text;
  if (age.count()) fs::last_write_time(p, fs::file_time_type::clock::now() - age);
}

void write_release(const fs::path& dir, const std::string& version) {
  fs::create_directories(dir);
  write_file(dir / "worker.php", kWorker, std::chrono::seconds(100));
  write_file(dir / "version.php", "<?php return '" + version + "';", std::chrono::seconds(100));
}

WorkerConfig worker_at(const std::string& file, unsigned num) {
  WorkerConfig w;
  w.file = file;
  w.num = num;
  return w;
}

BackendOptions options(std::vector<WorkerConfig> workers) {
  ensure_engine();
  BackendOptions o;
  o.num_threads = 1;
  for (auto& w : workers) o.num_threads += w.num;
  o.workers = std::move(workers);
  return o;
}

// A request for the worker file `file` (routing compares script_filename with it).
Response request(PhpBackend& b, const std::string& file) {
  auto head = make_head("GET", "worker.php");
  head.script_filename = file;
  head.document_root = fs::path(file).parent_path().string();
  return run(std::move(head), "", &b);
}

json get(PhpBackend& b, const std::string& file) {
  Response r = request(b, file);
  INFO(r.body);
  REQUIRE(r.status == 200);
  return json::parse(r.body);
}

bool wait_for(const std::function<bool()>& done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace

TEST_CASE("restart_workers: every thread boots again, the edited code is served, no request is lost") {
  TempDir tmp;
  write_release(tmp.path, "v1");
  const std::string file = (tmp.path / "worker.php").string();
  PhpBackend b(options({worker_at(file, 2)}));
  const WorkerThreads* w = b.worker(file);
  REQUIRE(w);
  json before = get(b, file);
  CHECK(before["version"] == "v1");

  // Clients keep sending while the worker restarts; every request must be answered by a worker.
  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, failed{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 3; ++c)
    clients.emplace_back([&] {
      while (!stop.load()) {
        Response r = request(b, file);
        json j = json::parse(r.body, nullptr, false);
        bool good = r.status == 200 && !j.is_discarded() && (j["version"] == "v1" || j["version"] == "v2");
        (good ? ok : failed).fetch_add(1);
      }
    });
  REQUIRE(wait_for([&] { return ok.load() > 20; }));

  write_file(tmp.path / "version.php", "<?php return 'v2';");  // an edit: the mtime moves
  CHECK(b.restart_workers() == 1);
  CHECK(wait_for([&] { return w->restarts() >= 2; }));  // both threads ended cleanly and boot again
  int served_before = ok.load();
  REQUIRE(wait_for([&] { return ok.load() > served_before + 20; }));  // and serve again
  stop = true;
  for (auto& t : clients) t.join();

  CHECK(failed.load() == 0);
  CHECK(w->restarts() == 2);
  CHECK(w->crashes() == 0);
  json after = get(b, file);
  CHECK(after["version"] == "v2");
  CHECK(after["boot"] != before["boot"]);
  CHECK(w->live_threads() == 2);
}

TEST_CASE("restart_workers: after `current` moved to a new release, the restart runs the new release") {
  TempDir tmp;
  write_release(tmp.path / "releases/1", "release-1");
  write_release(tmp.path / "releases/2", "release-2");
  fs::create_directory_symlink("releases/1", tmp.path / "current");
  const std::string file = (tmp.path / "current/worker.php").string();
  PhpBackend b(options({worker_at(file, 1)}));
  const WorkerThreads* w = b.worker(file);
  REQUIRE(w);

  json first = get(b, file);
  CHECK(first["version"] == "release-1");
  CHECK(first["dir"] == (tmp.path / "releases/1").string());  // __DIR__ is the release's

  // Deploy as Capistrano/Deployer do: a new link renamed over the old one (atomic).
  fs::create_directory_symlink("releases/2", tmp.path / "current.new");
  fs::rename(tmp.path / "current.new", tmp.path / "current");
  CHECK(get(b, file)["version"] == "release-1");  // the running worker keeps its release

  b.restart_workers();
  REQUIRE(wait_for([&] { return w->restarts() >= 1; }));
  json after = get(b, file);
  CHECK(after["version"] == "release-2");
  CHECK(after["dir"] == (tmp.path / "releases/2").string());
}

TEST_CASE("watch: a change under a worker's patterns restarts that worker only, even with the mtime unchanged") {
  TempDir a, other;
  write_release(a.path, "a1");
  write_release(other.path, "o1");
  const std::string file_a = (a.path / "worker.php").string(), file_o = (other.path / "worker.php").string();
  WorkerConfig wa = worker_at(file_a, 1);
  wa.watch = {"./*.php"};
  wa.watch_base_dir = a.path.string();
  WorkerConfig wo = worker_at(file_o, 1);
  wo.watch = {other.path.string() + "/**/*.php"};
  PhpBackend b(options({wa, wo}));
  const WorkerThreads* worker_a = b.worker(file_a);
  const WorkerThreads* worker_o = b.worker(file_o);
  REQUIRE(worker_a);
  REQUIRE(worker_o);
  CHECK(get(b, file_a)["version"] == "a1");
  CHECK(get(b, file_o)["version"] == "o1");

  // The same size and, once set back, the same mtime: only the watcher knows the file changed.
  auto mtime = fs::last_write_time(a.path / "version.php");
  write_file(a.path / "version.php", "<?php return 'a2';");
  fs::last_write_time(a.path / "version.php", mtime);
  REQUIRE(wait_for([&] { return worker_a->restarts() >= 1; }));
  CHECK(get(b, file_a)["version"] == "a2");
  CHECK(worker_o->restarts() == 0);
  CHECK(get(b, file_o)["version"] == "o1");
}

TEST_CASE("watch: a malformed pattern fails start-up, naming the worker") {
  TempDir a;
  write_release(a.path, "x");
  WorkerConfig w = worker_at((a.path / "worker.php").string(), 1);
  w.name = "broken-watch";
  w.watch = {a.path.string() + "/[oops"};
  CHECK_THROWS_WITH_AS(PhpBackend(options({w})),
                       ("worker broken-watch: watch pattern \"" + a.path.string() + "/[oops\": malformed glob").c_str(),
                       std::runtime_error);
}
