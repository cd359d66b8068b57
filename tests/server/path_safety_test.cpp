#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "server/path_safety.h"

using namespace pogo::server;

TEST_CASE("decode_path decodes once and refuses NUL, control bytes and bad escapes") {
  struct Case {
    std::string raw;
    std::optional<std::string> want;
  };
  const Case cases[] = {
      {"/a/b", "/a/b"},
      {"/a%20b", "/a b"},
      {"/%2e%2e/etc", "/../etc"},
      {"/%252e", "/%2e"},  // decoded exactly once
      {"/a%2Fb", "/a/b"},
      {"/a\\b", "/a\\b"},  // backslash is an ordinary byte
      {"/%00", std::nullopt},
      {"/a%0ab", std::nullopt},
      {"/a%7f", std::nullopt},
      {"/a%zz", std::nullopt},
      {"/a%4", std::nullopt},
      {"/a%", std::nullopt},
      {std::string("/a\x01", 3), std::nullopt},
  };
  for (const auto& c : cases) {
    CAPTURE(c.raw);
    CHECK(decode_path(c.raw) == c.want);
  }
}

TEST_CASE("clean_path never climbs above the root") {
  struct Case {
    std::string in;
    const char* want;
  };
  const Case cases[] = {
      {"", "/"},
      {"/", "/"},
      {"/a/b", "/a/b"},
      {"/a/b/", "/a/b/"},
      {"//a///b", "/a/b"},
      {"/a/./b", "/a/b"},
      {"/a/../b", "/b"},
      {"/../etc/passwd", "/etc/passwd"},
      {"/../../../../etc/passwd", "/etc/passwd"},
      {"/a/b/../../../x", "/x"},
      {"/....//x", "/..../x"},
      {"/a/..", "/"},
      {"/a/.", "/a/"},
      {"/..", "/"},
      {"/a\\..\\..\\etc", "/a\\..\\..\\etc"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.in);
    CHECK(clean_path(c.in) == c.want);
  }
}

TEST_CASE("sanitize_path handles encoded traversal") {
  CHECK(sanitize_path("/%2e%2e/etc/passwd") == "/etc/passwd");
  CHECK(sanitize_path("/..%2f..%2fetc/passwd") == "/etc/passwd");
  CHECK(sanitize_path("/%2e%2e%2f%2e%2e%2fetc%2fpasswd") == "/etc/passwd");
  CHECK(sanitize_path("/a%00.txt") == std::nullopt);
}

TEST_CASE("is_inside compares whole path segments") {
  CHECK(is_inside("/srv/www", "/srv/www"));
  CHECK(is_inside("/srv/www", "/srv/www/a"));
  CHECK_FALSE(is_inside("/srv/www", "/srv/www2/a"));
  CHECK_FALSE(is_inside("/srv/www", "/srv"));
  CHECK(is_inside("/", "/anything"));
}

TEST_CASE("resolve_inside_root follows symlinks only inside the root") {
  namespace fs = std::filesystem;
  fs::path base = fs::temp_directory_path() / ("pogo-ps-" + std::to_string(::getpid()));
  fs::remove_all(base);
  fs::create_directories(base / "root/sub");
  fs::create_directories(base / "outside");
  std::ofstream(base / "root/sub/f.txt") << "x";
  std::ofstream(base / "outside/secret") << "s";
  fs::create_symlink(base / "outside/secret", base / "root/escape");
  fs::create_symlink(base / "root/sub/f.txt", base / "root/inner");
  std::string root = fs::canonical(base / "root").string();
  CHECK(resolve_inside_root(root, "/sub/f.txt") == root + "/sub/f.txt");
  CHECK(resolve_inside_root(root, "/inner") == root + "/sub/f.txt");
  CHECK(resolve_inside_root(root, "/escape") == std::nullopt);
  CHECK(resolve_inside_root(root, "/missing") == std::nullopt);
  CHECK(resolve_inside_root(root, "/") == root);
  fs::remove_all(base);
}

TEST_CASE("php extension, escaping and target splitting") {
  CHECK(has_php_extension("/a/index.php"));
  CHECK(has_php_extension("/a/INDEX.PhP"));
  CHECK_FALSE(has_php_extension("/a/index.php5"));
  CHECK_FALSE(has_php_extension("php"));
  CHECK(escape_path("/a b/é?#") == "/a%20b/%C3%A9%3F%23");
  std::string_view p, q;
  split_target("/a/b?x=1&y", p, q);
  CHECK(p == "/a/b");
  CHECK(q == "x=1&y");
  split_target("http://host:8080/x?y", p, q);
  CHECK(p == "/x");
  CHECK(q == "y");
  split_target("http://host", p, q);
  CHECK(p == "/");
  split_target("*", p, q);
  CHECK(p.empty());
}
