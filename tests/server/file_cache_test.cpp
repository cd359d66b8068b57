// The open-file cache (server/file_cache): hits, revalidation of changed, replaced, deleted and
// new files, the memory cap, and static responses (HEAD, Range, 304) planned from it alone.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>

#include "server/file_cache.h"
#include "server/static_files.h"

using namespace pogo::server;
namespace fs = std::filesystem;

namespace {

struct TempRoot {
  fs::path dir;
  std::string real;
  TempRoot() {
    static int counter = 0;
    dir = fs::temp_directory_path() / ("pogo-fcache-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(dir);
    fs::create_directories(dir / "sub");
    real = fs::canonical(dir).string();
  }
  ~TempRoot() { fs::remove_all(dir); }
  void write(const std::string& rel, const std::string& content) const {
    std::ofstream(dir / rel, std::ios::binary | std::ios::trunc) << content;
  }
};

// Polls `done` until it holds or a generous deadline passes (the cache promises 1 s; the machine
// may be busy). The result is what the caller asserts, never the time it took.
bool eventually(const std::function<bool()>& done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

std::string body_of(FileCache& cache, const std::string& real) {
  auto f = cache.file(real);
  if (!f) return "<missing>";
  if (f->body) return *f->body;
  return "<fd>";
}

RequestHead get(std::vector<Header> headers = {}, std::string method = "GET") {
  RequestHead h;
  h.method = std::move(method);
  h.headers = std::move(headers);
  return h;
}

std::string header(const StaticResponse& r, std::string_view name) {
  for (const auto& h : r.head.headers)
    if (h.name == name) return h.value;
  return {};
}

}  // namespace

TEST_CASE("a warm hit returns the same entry: resolution, stat, validators and body") {
  TempRoot t;
  t.write("a.txt", "hello");
  FileCache cache;
  struct stat st {};
  std::string resolved;
  REQUIRE(cache.resolve(t.real, "/a.txt", &resolved, &st));
  const std::string* real = &resolved;
  CHECK(*real == t.real + "/a.txt");
  CHECK(S_ISREG(st.st_mode));
  CHECK(st.st_size == 5);
  auto f1 = cache.file(*real);
  REQUIRE(f1);
  REQUIRE(f1->body);
  CHECK(*f1->body == "hello");
  CHECK(f1->etag == make_etag(f1->st));
  CHECK(f1->content_type == "text/plain; charset=utf-8");
  CHECK(cache.file(*real) == f1);  // the same object: nothing was read again
  CHECK(cache.body_bytes() == 5);
  CHECK(cache.is_regular(t.real + "/a.txt"));
  CHECK_FALSE(cache.is_regular(t.real + "/sub"));
  CHECK(cache.stat(t.real + "/sub", &st));
  CHECK(S_ISDIR(st.st_mode));
}

TEST_CASE("paths outside the root and missing ones are negative entries") {
  TempRoot t;
  fs::create_symlink("/etc/hostname", t.dir / "out");
  FileCache cache;
  CHECK_FALSE(cache.resolve(t.real, "/out"));
  CHECK_FALSE(cache.resolve(t.real, "/missing.txt"));
  CHECK_FALSE(cache.resolve(t.real, "/sub/../../etc/passwd"));
  CHECK(cache.resolutions() == 3);
}

TEST_CASE("a file edited in place is seen within the revalidation window") {
  TempRoot t;
  t.write("a.txt", "one");
  FileCache cache;
  std::string real;
  REQUIRE(cache.resolve(t.real, "/a.txt", &real));
  CHECK(body_of(cache, real) == "one");
  t.write("a.txt", "two, longer");
  CHECK(eventually([&] { return body_of(cache, real) == "two, longer"; }));
  struct stat st {};
  CHECK(eventually([&] { return cache.resolve(t.real, "/a.txt", nullptr, &st) && st.st_size == 11; }));
}

TEST_CASE("a deleted file disappears; a file replaced by rename is served anew") {
  TempRoot t;
  t.write("gone.txt", "bye");
  t.write("swap.txt", "old");
  FileCache cache;
  REQUIRE(cache.resolve(t.real, "/gone.txt"));
  REQUIRE(cache.resolve(t.real, "/swap.txt"));
  CHECK(body_of(cache, t.real + "/gone.txt") == "bye");
  CHECK(body_of(cache, t.real + "/swap.txt") == "old");
  fs::remove(t.dir / "gone.txt");
  t.write("swap.tmp", "new");
  fs::rename(t.dir / "swap.tmp", t.dir / "swap.txt");
  CHECK(eventually([&] { return !cache.resolve(t.real, "/gone.txt"); }));
  CHECK(eventually([&] { return body_of(cache, t.real + "/gone.txt") == "<missing>"; }));
  CHECK(eventually([&] { return body_of(cache, t.real + "/swap.txt") == "new"; }));
}

TEST_CASE("a file created after a negative entry is found; a directory swapped for a symlink out is not") {
  TempRoot t;
  FileCache cache;
  CHECK_FALSE(cache.resolve(t.real, "/later.txt"));
  t.write("later.txt", "here now");
  CHECK(eventually([&] { return cache.resolve(t.real, "/later.txt"); }));
  CHECK(body_of(cache, t.real + "/later.txt") == "here now");

  t.write("sub/in.txt", "inside");
  REQUIRE(cache.resolve(t.real, "/sub/in.txt"));
  fs::path outside = t.dir.string() + "-outside";
  fs::create_directories(outside);
  std::ofstream(outside / "in.txt") << "outside";
  fs::remove_all(t.dir / "sub");
  fs::create_directory_symlink(outside, t.dir / "sub");
  CHECK(eventually([&] { return !cache.resolve(t.real, "/sub/in.txt"); }));
  fs::remove_all(outside);
}

TEST_CASE("memory stays under the cap; larger files keep a descriptor instead") {
  TempRoot t;
  FileCache::Limits limits;
  limits.max_body = 1000;
  limits.max_bytes = 2500;
  FileCache cache(limits);
  for (int i = 0; i < 6; ++i) t.write("f" + std::to_string(i), std::string(1000, char('a' + i)));
  for (int i = 0; i < 6; ++i) {
    auto f = cache.file(t.real + "/f" + std::to_string(i));
    REQUIRE(f);
    REQUIRE(f->body);
    CHECK(*f->body == std::string(1000, char('a' + i)));
    CHECK(cache.body_bytes() <= limits.max_bytes);
  }
  CHECK(cache.body_bytes() == 2000);  // the two most recent
  t.write("big", std::string(1001, 'z'));
  auto big = cache.file(t.real + "/big");
  REQUIRE(big);
  CHECK_FALSE(big->body);
  CHECK(big->fd >= 0);
  CHECK(cache.open_descriptors() == 1);
  int fd = big->dup_fd();
  REQUIRE(fd >= 0);
  char c = 0;
  CHECK(::pread(fd, &c, 1, 1000) == 1);
  CHECK(c == 'z');
  ::close(fd);
}

TEST_CASE("HEAD, Range, 416 and 304 are answered from the cache without the file") {
  TempRoot t;
  t.write("page.html", "0123456789");
  FileCache::Limits limits;
  limits.max_age = std::chrono::hours(1);  // nothing is revalidated in this test
  FileCache cache(limits);
  std::string file = t.real + "/page.html";
  StaticResponse full = plan_static_response(get(), file, cache);
  CHECK(full.head.status == 200);
  REQUIRE(full.body);
  CHECK(*full.body == "0123456789");
  CHECK(full.fd < 0);
  std::string etag = header(full, "Etag");
  std::string modified = header(full, "Last-Modified");
  CHECK(header(full, "Content-Type") == "text/html; charset=utf-8");
  fs::remove(t.dir / "page.html");  // from here on only the cache can answer

  StaticResponse again = plan_static_response(get(), file, cache);
  CHECK(again.head.status == 200);
  CHECK(again.body == full.body);
  CHECK(again.length == 10);

  StaticResponse head = plan_static_response(get({}, "HEAD"), file, cache);
  CHECK(head.head.status == 200);
  CHECK(head.content_length == 10);
  CHECK(head.length == 0);
  CHECK(head.fd < 0);

  StaticResponse range = plan_static_response(get({{"Range", "bytes=2-4"}}), file, cache);
  CHECK(range.head.status == 206);
  CHECK(range.offset == 2);
  CHECK(range.length == 3);
  CHECK(range.body->substr(range.offset, range.length) == "234");
  CHECK(header(range, "Content-Range") == "bytes 2-4/10");

  StaticResponse bad = plan_static_response(get({{"Range", "bytes=20-"}}), file, cache);
  CHECK(bad.head.status == 416);
  CHECK(header(bad, "Content-Range") == "bytes */10");

  StaticResponse by_tag = plan_static_response(get({{"If-None-Match", etag}}), file, cache);
  CHECK(by_tag.head.status == 304);
  CHECK_FALSE(by_tag.body);
  StaticResponse by_date = plan_static_response(get({{"If-Modified-Since", modified}}), file, cache);
  CHECK(by_date.head.status == 304);
}
