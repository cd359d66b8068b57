// mercure/history.h and history_file.h: the byte budget, Last-Event-ID replay with the reference
// hub's cursor rules, and the file format: reload, torn tails, corruption, compaction. Each file
// case works in a fresh temporary directory.
#include "mercure/crc32.h"
#include "mercure/history.h"
#include "mercure/history_file.h"

#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

using namespace pogo::mercure;
namespace fs = std::filesystem;

namespace {

std::shared_ptr<const Update> update(const std::string& id, const std::string& topic = "https://example.com/t",
                                     bool is_private = false, std::string data = "d") {
    return std::make_shared<const Update>(Update{{topic}, std::move(data), is_private, id, "", 0});
}

std::vector<std::string> ids(const History::Replay& r) {
    std::vector<std::string> out;
    for (const auto& u : r.updates) out.push_back(u->id);
    return out;
}

const auto kAll = [](const Update&) { return true; };

// A fresh directory under the system's temporary one, removed at the end of the case.
struct TempDir {
    fs::path path;
    TempDir() {
        std::random_device rd;
        path = fs::temp_directory_path() / ("pogo-mercure-" + std::to_string(rd()) + std::to_string(rd()));
        fs::create_directories(path);
    }
    ~TempDir() { fs::remove_all(path); }
};

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}
void write_file(const fs::path& p, const std::string& s) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << s;
}

std::unique_ptr<FileHistory> open_history(const fs::path& p, FileHistory::LoadStats* stats = nullptr,
                                          size_t max_file = 16u << 20, size_t budget = 1 << 20) {
    std::string error;
    auto h = FileHistory::open({p.string(), budget, max_file}, &error, stats);
    INFO(error);
    REQUIRE(h);
    return h;
}

}  // namespace

TEST_CASE("history: replay after a known id, earliest, an unknown id") {
    History h(1 << 20);
    CHECK(h.last_event_id() == "earliest");
    CHECK(h.last_seq() == 0);
    for (const char* id : {"a", "b", "c", "d"}) h.append(update(id), nullptr);
    CHECK(h.last_event_id() == "d");
    CHECK(h.last_seq() == 4);

    auto r = h.after("b", kAll);
    CHECK(r.found);
    CHECK(r.cursor == "b");
    CHECK(ids(r) == std::vector<std::string>{"c", "d"});

    r = h.after("earliest", kAll);
    CHECK(r.found);
    CHECK(r.cursor == "earliest");
    CHECK(ids(r) == std::vector<std::string>{"a", "b", "c", "d"});

    r = h.after("d", kAll);  // up to date
    CHECK(r.found);
    CHECK(r.cursor == "d");
    CHECK(r.updates.empty());

    r = h.after("zzz", kAll);  // unknown: nothing, and the cursor says so
    CHECK_FALSE(r.found);
    CHECK(r.cursor == "earliest");
    CHECK(r.updates.empty());

    // up_to: what was published after the subscriber registered comes live, not from here.
    r = h.after("a", kAll, 3);
    CHECK(ids(r) == std::vector<std::string>{"b", "c"});
}

TEST_CASE("history: replay re-checks the subscriber's rights through the matcher") {
    History h(1 << 20);
    h.append(update("1", "https://example.com/public"), nullptr);
    h.append(update("2", "https://example.com/secret", true), nullptr);
    h.append(update("3", "https://example.com/public"), nullptr);
    auto r = h.after("earliest", [](const Update& u) { return !u.is_private; });
    CHECK(ids(r) == std::vector<std::string>{"1", "3"});
    // The cursor may be an id the subscriber cannot read when it is the one it sent.
    r = h.after("2", [](const Update& u) { return !u.is_private; });
    CHECK(r.cursor == "2");
    CHECK(ids(r) == std::vector<std::string>{"3"});
}

TEST_CASE("history: a reused id resolves to its earliest occurrence") {
    History h(1 << 20);
    for (const char* id : {"x", "a", "x", "b"}) h.append(update(id), nullptr);
    CHECK(ids(h.after("x", kAll)) == std::vector<std::string>{"a", "x", "b"});
}

TEST_CASE("history: the byte budget evicts the oldest; evicted ids are unknown") {
    const size_t one = update("00")->approx_size();
    History h(one * 3);
    for (int i = 0; i < 10; ++i) h.append(update(std::to_string(10 + i)), nullptr);
    CHECK(h.size() == 3);
    CHECK(h.bytes() <= one * 3);
    CHECK(ids(h.after("earliest", kAll)) == std::vector<std::string>{"17", "18", "19"});
    CHECK_FALSE(h.after("15", kAll).found);
    CHECK(ids(h.after("17", kAll)) == std::vector<std::string>{"18", "19"});
    CHECK(h.last_event_id() == "19");

    // Duplicates across an eviction: the next occurrence takes over.
    History d(one * 3);
    for (const char* id : {"xx", "aa", "xx", "bb"}) d.append(update(id), nullptr);
    CHECK(d.size() == 3);  // the first "xx" is gone
    CHECK(ids(d.after("xx", kAll)) == std::vector<std::string>{"bb"});

    // An update larger than the budget is not kept; a zero budget keeps nothing.
    History small(one);
    small.append(update("big", "https://example.com/t", false, std::string(10000, 'x')), nullptr);
    CHECK(small.size() == 0);
    CHECK(small.last_event_id() == "big");
    History none(0);
    none.append(update("1"), nullptr);
    CHECK(none.size() == 0);
    CHECK_FALSE(none.after("1", kAll).found);
}

TEST_CASE("history: appends and replays from many threads") {
    History h(1 << 20);
    std::atomic<bool> stop{false};
    std::thread reader([&] {
        while (!stop) {
            const auto got = ids(h.after("earliest", kAll));
            // Each writer's updates in the order it appended them, none twice.
            std::vector<int> last(4, -1);
            for (const auto& id : got) {
                const int t = id[0] - '0', i = std::stoi(id.substr(2));
                if (i <= last[t]) FAIL("out of order: " << id);
                last[t] = i;
            }
        }
    });
    std::vector<std::thread> writers;
    for (int t = 0; t < 4; ++t)
        writers.emplace_back([&, t] {
            for (int i = 0; i < 500; ++i) h.append(update(std::to_string(t) + "-" + std::to_string(i)), nullptr);
        });
    for (auto& w : writers) w.join();
    stop = true;
    reader.join();
    CHECK(h.last_seq() == 2000);
    CHECK(h.size() == 2000);
}

TEST_CASE("history file: crc32 and the record encoding round-trip") {
    CHECK(crc32("123456789") == 0xcbf43926u);  // the standard check value
    CHECK(crc32("") == 0);
    CHECK(crc32("6789", crc32("12345")) == 0xcbf43926u);
    Update u{{"https://example.com/a", "https://example.com/b"}, "multi\nline\0data", true, "urn:uuid:1", "t", 42};
    u.data = std::string("multi\nline\0data", 15);
    const std::string rec = FileHistory::encode(u);
    Update back;
    REQUIRE(FileHistory::decode(std::string_view(rec).substr(8), &back));
    CHECK(back == u);
    CHECK_FALSE(FileHistory::decode(std::string_view(rec).substr(8, rec.size() - 9), &back));
}

TEST_CASE("history file: updates survive a reopen, with their order and fields") {
    TempDir dir;
    const fs::path p = dir.path / "mercure.history";
    {
        auto h = open_history(p);
        CHECK(h->size() == 0);
        std::string err;
        h->append(std::make_shared<const Update>(Update{{"https://example.com/a"}, "one", false, "1", "", 0}), &err);
        h->append(std::make_shared<const Update>(Update{{"https://example.com/b", "https://example.com/c"}, "two\r\nlines",
                                                        true, "2", "typed", 1500}),
                  &err);
        CHECK(err.empty());
    }
    FileHistory::LoadStats stats;
    auto h = open_history(p, &stats);
    CHECK(stats.records == 2);
    CHECK(stats.dropped_bytes == 0);
    CHECK(h->last_event_id() == "2");
    auto r = h->after("1", kAll);
    REQUIRE(r.updates.size() == 1);
    CHECK(*r.updates[0] == Update{{"https://example.com/b", "https://example.com/c"}, "two\r\nlines", true, "2", "typed", 1500});
    // Appending after a reload continues the same file.
    h->append(update("3"), nullptr);
    h.reset();
    auto again = open_history(p, &stats);
    CHECK(stats.records == 3);
    CHECK(ids(again->after("earliest", kAll)) == std::vector<std::string>{"1", "2", "3"});
}

TEST_CASE("history file: a torn tail is truncated, a corrupt record ends the file") {
    TempDir dir;
    const fs::path p = dir.path / "h";
    {
        auto h = open_history(p);
        for (const char* id : {"1", "2", "3"}) h->append(update(id), nullptr);
    }
    const std::string good = read_file(p);
    const size_t rec = FileHistory::encode(*update("3")).size();

    // Cut in the middle of the last record (a crash during write).
    for (size_t cut : {size_t{1}, size_t{7}, rec - 1}) {
        INFO(cut);
        write_file(p, good.substr(0, good.size() - cut));
        FileHistory::LoadStats stats;
        auto h = open_history(p, &stats);
        CHECK(stats.records == 2);
        CHECK(stats.dropped_bytes == rec - cut);
        CHECK(fs::file_size(p) == good.size() - rec);
        CHECK(ids(h->after("earliest", kAll)) == std::vector<std::string>{"1", "2"});
        // New appends land after the good records and read back.
        h->append(update("4"), nullptr);
        h.reset();
        auto again = open_history(p, &stats);
        CHECK(stats.dropped_bytes == 0);
        CHECK(ids(again->after("earliest", kAll)) == std::vector<std::string>{"1", "2", "4"});
    }

    // A flipped byte in the second record's payload: it and what follows are dropped.
    std::string bad = good;
    bad[8 + rec + 8 + 3] ^= 0x40;
    write_file(p, bad);
    FileHistory::LoadStats stats;
    auto h = open_history(p, &stats);
    CHECK(stats.records == 1);
    CHECK(stats.dropped_bytes == 2 * rec);
    // A length field pointing past the end: the same.
    bad = good;
    bad[8 + rec] = '\xff';
    write_file(p, bad);
    h = open_history(p, &stats);
    CHECK(stats.records == 1);
}

TEST_CASE("history file: refuses what is not a history file, and unwritable paths") {
    TempDir dir;
    const fs::path p = dir.path / "other";
    write_file(p, "some other file's contents");
    std::string error;
    CHECK_FALSE(FileHistory::open({p.string(), 1 << 20, 1 << 20}, &error));
    CHECK(error == p.string() + ": not a Pogo Mercure history file (its first bytes are not POGOMH01)");
    CHECK(read_file(p) == "some other file's contents");  // untouched
    // Cut short while it was being created: started again.
    const fs::path cut = dir.path / "cut";
    write_file(cut, "POGO");
    FileHistory::LoadStats stats;
    auto h = open_history(cut, &stats);
    CHECK(stats.records == 0);
    h->append(update("1"), nullptr);
    h.reset();
    CHECK(ids(open_history(cut)->after("earliest", kAll)) == std::vector<std::string>{"1"});
    CHECK_FALSE(FileHistory::open({(dir.path / "missing" / "h").string(), 1 << 20, 1 << 20}, &error));
    CHECK(error.find("cannot open the history file") != std::string::npos);
}

TEST_CASE("history file: compaction keeps the newest updates within half the limit") {
    TempDir dir;
    const fs::path p = dir.path / "h";
    const size_t rec = FileHistory::encode(*update("100")).size();
    const size_t limit = 8 + rec * 10;  // compacts past ten records, down to four
    {
        auto h = open_history(p, nullptr, limit);
        for (int i = 100; i < 125; ++i) {
            std::string err;
            h->append(update(std::to_string(i)), &err);
            CHECK(err.empty());
            CHECK(h->file_bytes() <= limit);
            CHECK(h->file_bytes() == fs::file_size(p));
        }
        CHECK(h->compactions() >= 2);
        // Memory still has everything its budget allows.
        CHECK(h->size() == 25);
        CHECK_FALSE(fs::exists(p.string() + ".compacting"));
    }
    FileHistory::LoadStats stats;
    auto h = open_history(p, &stats, limit);
    CHECK(stats.dropped_bytes == 0);
    CHECK(stats.records >= 4);
    CHECK(stats.records <= 10);
    auto all = ids(h->after("earliest", kAll));
    CHECK(all.back() == "124");
    // Consecutive, newest last.
    for (size_t i = 1; i < all.size(); ++i) CHECK(std::stoi(all[i]) == std::stoi(all[i - 1]) + 1);
}
