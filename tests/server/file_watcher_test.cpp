// FileWatcher on a temporary directory: what is reported, and when, for the ways files change.
// Every wait polls with a deadline; nothing asserts on elapsed time.
#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "server/file_watcher.h"

using namespace pogo::server;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/pogo-watch-XXXXXX";
    path = fs::canonical(::mkdtemp(tmpl));
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string operator/(const std::string& rel) const { return (path / rel).string(); }
};

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc) << text;
}

// Collects the callback's batches.
struct Recorder {
  std::mutex mu;
  std::vector<std::vector<std::string>> batches;

  FileWatcher::Callback callback() {
    return [this](const std::vector<std::string>& changed) {
      std::lock_guard lk(mu);
      batches.push_back(changed);
    };
  }
  // Waits (up to 10 s) until some batch holds `path`.
  bool wait_for(const std::string& path) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      if (seen(path)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
  bool seen(const std::string& path) {
    std::lock_guard lk(mu);
    for (const auto& b : batches)
      if (std::find(b.begin(), b.end(), path) != b.end()) return true;
    return false;
  }
  // Waits (up to 10 s) until a batch after the first `before` ones holds `path`.
  bool wait_after(size_t before, const std::string& path) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      {
        std::lock_guard lk(mu);
        for (size_t i = before; i < batches.size(); ++i)
          if (std::find(batches[i].begin(), batches[i].end(), path) != batches[i].end()) return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
  size_t count() {
    std::lock_guard lk(mu);
    return batches.size();
  }
};

}  // namespace

TEST_CASE("FileWatcher: created, modified, deleted and touched files that match; others are not reported") {
  TempDir dir;
  write_file(dir / "existing.php", "<?php 1;");
  Recorder rec;
  FileWatcher w({dir.path.string() + "/**/*.php"}, rec.callback(), {}, std::chrono::milliseconds(20));

  write_file(dir / "notes.txt", "not watched");
  write_file(dir / "new.php", "<?php 2;");
  CHECK(rec.wait_for(dir / "new.php"));
  CHECK_FALSE(rec.seen(dir / "notes.txt"));

  write_file(dir / "existing.php", "<?php 3;");
  CHECK(rec.wait_for(dir / "existing.php"));

  size_t before = rec.count();
  fs::remove(dir / "new.php");
  CHECK(rec.wait_after(before, dir / "new.php"));

  write_file(dir / "touched.php", "<?php");
  CHECK(rec.wait_for(dir / "touched.php"));
  before = rec.count();
  fs::last_write_time(dir / "existing.php", fs::file_time_type::clock::now() + std::chrono::hours(1));  // touch
  CHECK(rec.wait_after(before, dir / "existing.php"));
}

TEST_CASE("FileWatcher: an editor's rename over the file is a change of the file") {
  TempDir dir;
  write_file(dir / "worker.php", "<?php 1;");
  Recorder rec;
  FileWatcher w({dir.path.string() + "/*.php"}, rec.callback(), {}, std::chrono::milliseconds(20));
  write_file(dir / ".worker.php.swp~", "<?php 2;");  // matches nothing
  fs::rename(dir / ".worker.php.swp~", dir / "worker.php");
  CHECK(rec.wait_for(dir / "worker.php"));
  CHECK_FALSE(rec.seen(dir / ".worker.php.swp~"));
}

TEST_CASE("FileWatcher: directories created later are watched, and what they already hold is reported") {
  TempDir dir;
  Recorder rec;
  FileWatcher w({dir.path.string()}, rec.callback(), {}, std::chrono::milliseconds(20));
  CHECK(w.watched_dirs() == 1);
  // mkdir -p and a file at once: the file may land before the new directory's watch exists.
  fs::create_directories(dir / "a/b/c");
  write_file(dir / "a/b/c/deep.yaml", "x: 1");
  CHECK(rec.wait_for(dir / "a/b/c/deep.yaml"));
  // Now that a/b/c is watched, a later file there is seen through its own watch.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (w.watched_dirs() < 4 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(w.watched_dirs() == 4);
  write_file(dir / "a/b/c/later.env", "X=1");
  CHECK(rec.wait_for(dir / "a/b/c/later.env"));
  // A directory moved in from elsewhere is watched too.
  TempDir outside;
  fs::create_directories(outside / "moved/sub");
  fs::rename(outside / "moved", dir / "moved");
  deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (w.watched_dirs() < 6 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(w.watched_dirs() == 6);
  write_file(dir / "moved/sub/x.php", "<?php");
  CHECK(rec.wait_for(dir / "moved/sub/x.php"));
}

TEST_CASE("FileWatcher: a non-recursive pattern does not watch subdirectories") {
  TempDir dir;
  fs::create_directories(dir / "sub");
  Recorder rec;
  FileWatcher w({dir.path.string() + "/*.php"}, rec.callback(), {}, std::chrono::milliseconds(20));
  CHECK(w.watched_dirs() == 1);
  write_file(dir / "sub/ignored.php", "<?php");
  write_file(dir / "top.php", "<?php");
  CHECK(rec.wait_for(dir / "top.php"));
  CHECK_FALSE(rec.seen(dir / "sub/ignored.php"));
}

TEST_CASE("FileWatcher: a burst of writes is one callback (debounced)") {
  TempDir dir;
  Recorder rec;
  // A generous debounce so that the burst below is one burst even on a loaded machine.
  FileWatcher w({dir.path.string() + "/**/*.php"}, rec.callback(), {}, std::chrono::milliseconds(500));
  for (int i = 0; i < 50; ++i) write_file(dir / ("f" + std::to_string(i % 5) + ".php"), std::to_string(i));
  CHECK(rec.wait_for(dir / "f4.php"));
  write_file(dir / "marker.php", "after");
  CHECK(rec.wait_for(dir / "marker.php"));
  std::lock_guard lk(rec.mu);
  REQUIRE(rec.batches.size() == 2);
  CHECK(rec.batches[0] == std::vector<std::string>{dir / "f0.php", dir / "f1.php", dir / "f2.php", dir / "f3.php",
                                                   dir / "f4.php"});
  CHECK(rec.batches[1] == std::vector<std::string>{dir / "marker.php"});
  CHECK(w.callbacks() == 2);
}

TEST_CASE("FileWatcher: one file (a Caddyfile), replaced by rename or rewritten") {
  TempDir dir;
  write_file(dir / "Caddyfile", ":8080");
  write_file(dir / "other", "x");
  Recorder rec;
  FileWatcher w({dir / "Caddyfile"}, rec.callback(), {}, std::chrono::milliseconds(20));
  write_file(dir / "other", "changed");
  write_file(dir / "Caddyfile.new", ":8081");
  fs::rename(dir / "Caddyfile.new", dir / "Caddyfile");
  CHECK(rec.wait_for(dir / "Caddyfile"));
  CHECK_FALSE(rec.seen(dir / "other"));
  CHECK_FALSE(rec.seen(dir / "Caddyfile.new"));
  size_t before = rec.count();
  write_file(dir / "Caddyfile", ":8082");
  CHECK(rec.wait_after(before, dir / "Caddyfile"));
}

TEST_CASE("FileWatcher: relative patterns start from base_dir; a missing root is skipped; stop() is idempotent") {
  TempDir dir;
  Recorder rec;
  FileWatcher w({"./**/*.{env,php,twig,yaml,yml}", "does-not-exist/*.php"}, rec.callback(), dir.path.string(),
                std::chrono::milliseconds(20));
  CHECK(w.patterns()[0].dir == dir.path.string());
  CHECK(w.watched_dirs() == 1);
  write_file(dir / ".env", "A=1");
  CHECK(rec.wait_for(dir / ".env"));
  w.stop();
  w.stop();
}

TEST_CASE("FileWatcher: a malformed pattern is an error naming it") {
  CHECK_THROWS_WITH_AS(FileWatcher({"/tmp/[x"}, [](const std::vector<std::string>&) {}),
                       "watch pattern \"/tmp/[x\": malformed glob", std::invalid_argument);
}
