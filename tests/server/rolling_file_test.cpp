// RollingFile on a real file in a temporary directory: rolls by size into lumberjack's backup
// names, gzips backups, keeps `keep` of them, removes those older than keep_days, and takes lines
// from several threads at once without tearing one.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "server/rolling_file.h"
#include "tests/support/gunzip.h"

using namespace pogo::server;
namespace fs = std::filesystem;

namespace {

struct TempDir {
    fs::path path;
    TempDir() {
        std::string tmpl = (fs::temp_directory_path() / "pogo-roll-XXXXXX").string();
        path = mkdtemp(tmpl.data());
    }
    ~TempDir() { fs::remove_all(path); }
};

std::string read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::vector<fs::path> backups_in(const fs::path& dir) {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.path().filename() != "access.log") out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

TEST_CASE("rolling file: backup names are lumberjack's, in UTC") {
    // 2026-12-01T11:13:47.123Z
    CHECK(RollingFile::backup_name("/var/log/caddy/access.log", 1796123627123, false) ==
          "/var/log/caddy/access-2026-12-01T11-13-47.123.log");
    CHECK(RollingFile::backup_name("logs/app", 1796123627005, false) == "logs/app-2026-12-01T11-13-47.005");
}

TEST_CASE("rolling file: a line that would pass max_bytes rolls the file; backups are gzipped") {
    TempDir tmp;
    fs::path log = tmp.path / "sub" / "access.log";  // the directory is created, as Caddy does
    {
        RollingFile f(log.string(), {.roll = true, .max_bytes = 100, .keep = 10, .keep_days = 0, .gzip = true});
        std::string line(40, 'a');
        line.back() = '\n';
        f.write(line);
        f.write(line);
        CHECK(backups_in(log.parent_path()).empty());
        f.write(line);  // 120 > 100: roll first
        f.wait_idle();
        CHECK(read(log) == line);
        auto b = backups_in(log.parent_path());
        REQUIRE(b.size() == 1);
        CHECK(b[0].filename().string().rfind("access-", 0) == 0);
        CHECK(b[0].extension() == ".gz");
        CHECK(pogo::test::gunzip(read(b[0])) == line + line);
    }
    // Reopening appends to what is there and counts it toward the size.
    RollingFile again(log.string(), {.roll = true, .max_bytes = 50, .keep = 10, .keep_days = 0, .gzip = false});
    again.write("0123456789012345678901234567890123456789\n");
    again.wait_idle();
    auto b = backups_in(log.parent_path());
    for (const auto& p : b) MESSAGE(p.string());
    REQUIRE(b.size() == 2);
    CHECK(b[1].extension() == ".log");  // roll_uncompressed
    CHECK(read(b[1]) == std::string(39, 'a') + "\n");
}

TEST_CASE("rolling file: keep N backups, and none older than keep_days") {
    TempDir tmp;
    fs::path log = tmp.path / "access.log";
    // A backup from 2001, which keep_days removes at the next roll whatever its count.
    std::ofstream(tmp.path / "access-2001-01-01T00-00-00.000.log.gz") << "old";
    std::ofstream(tmp.path / "unrelated-2001-01-01T00-00-00.000.log") << "kept";
    RollingFile f(log.string(), {.roll = true, .max_bytes = 10, .keep = 3, .keep_days = 30, .gzip = false});
    for (int i = 0; i < 6; ++i) f.write("line " + std::to_string(i) + "\n");  // 7 bytes each: every write rolls
    f.wait_idle();
    std::set<std::string> names;
    for (const auto& p : backups_in(tmp.path)) names.insert(p.filename().string());
    CHECK(names.count("unrelated-2001-01-01T00-00-00.000.log") == 1);
    CHECK(names.count("access-2001-01-01T00-00-00.000.log.gz") == 0);
    CHECK(names.size() == 4);  // 3 backups + the unrelated file
    CHECK(read(log) == "line 5\n");
    std::set<std::string> contents;
    for (const auto& p : backups_in(tmp.path))
        if (p.filename().string().rfind("access-", 0) == 0) contents.insert(read(p));
    CHECK(contents == std::set<std::string>{"line 2\n", "line 3\n", "line 4\n"});  // the newest three
}

TEST_CASE("rolling file: roll_disabled appends forever") {
    TempDir tmp;
    fs::path log = tmp.path / "access.log";
    RollingFile f(log.string(), {.roll = false, .max_bytes = 10});
    for (int i = 0; i < 5; ++i) f.write("0123456789\n");
    CHECK(read(log).size() == 55);
    CHECK(backups_in(tmp.path).empty());
}

TEST_CASE("rolling file: lines from several threads are never torn across a roll") {
    TempDir tmp;
    fs::path log = tmp.path / "access.log";
    constexpr int kThreads = 4, kLines = 500;
    {
        RollingFile f(log.string(), {.roll = true, .max_bytes = 4096, .keep = 1000, .keep_days = 0, .gzip = true});
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t)
            threads.emplace_back([&f, t] {
                for (int i = 0; i < kLines; ++i)
                    f.write("thread " + std::to_string(t) + " line " + std::to_string(i) + " " + std::string(40, 'x') + "\n");
            });
        for (auto& th : threads) th.join();
        f.wait_idle();
    }
    std::set<std::string> seen;
    auto take = [&](const std::string& text) {
        std::istringstream in(text);
        for (std::string line; std::getline(in, line);) {
            CHECK(line.size() >= 40);
            CHECK(line.find("thread ") == 0);
            seen.insert(line);
        }
    };
    take(read(log));
    for (const auto& p : backups_in(tmp.path)) {
        CHECK(p.extension() == ".gz");
        CHECK(fs::file_size(p) > 0);
        take(pogo::test::gunzip(read(p)));
    }
    CHECK(seen.size() == size_t(kThreads * kLines));
}
