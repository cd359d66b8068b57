#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "server/script_resolver.h"

using namespace pogo::server;
namespace fs = std::filesystem;

namespace {

struct Tree {
  fs::path base;
  std::string root;
  Tree() {
    base = fs::temp_directory_path() / ("pogo-sr-" + std::to_string(::getpid()));
    fs::remove_all(base);
    for (auto d : {"root/dir", "root/app", "root/static", "root/empty", "outside"}) fs::create_directories(base / d);
    for (auto f : {"root/index.php", "root/app/index.php", "root/info.php", "root/style.css", "root/static/index.html",
                   "root/UPPER.PHP", "root/info.php.bak", "outside/evil.php", "outside/secret.txt"})
      std::ofstream(base / f) << "x";
    fs::create_symlink(base / "outside/secret.txt", base / "root/leak.txt");
    fs::create_symlink(base / "outside/evil.php", base / "root/evil.php");
    fs::create_symlink(base / "outside", base / "root/outdir");
    fs::create_symlink(base / "root/info.php", base / "root/info.txt");
    root = fs::canonical(base / "root").string();
  }
  ~Tree() { fs::remove_all(base); }
};

std::string describe(const Resolution& r) {
  if (auto* x = std::get_if<ResolvedRedirect>(&r)) return "redirect " + x->location;
  if (auto* x = std::get_if<ResolvedStatic>(&r)) return "static " + x->file;
  if (auto* x = std::get_if<ResolvedScript>(&r))
    return "script " + x->script_filename + " name=" + x->script_name + " info=" + x->path_info;
  return "notfound";
}

}  // namespace

TEST_CASE("php_server path resolution") {
  Tree t;
  const std::string& R = t.root;
  struct Case {
    std::string path;
    const char* query;
    std::string want;
  };
  const Case cases[] = {
      {"/", "", "script " + R + "/index.php name=/index.php info="},
      {"/info.php", "", "script " + R + "/info.php name=/info.php info="},
      {"/info.php/extra/path", "", "script " + R + "/info.php name=/info.php info=/extra/path"},
      {"/INFO.PHP", "", "script " + R + "/index.php name=/index.php info="},  // no such file: front controller
      {"/UPPER.PHP", "", "script " + R + "/UPPER.PHP name=/UPPER.PHP info="},
      {"/app", "a=1", "redirect /app/?a=1"},
      {"/app/", "", "script " + R + "/app/index.php name=/app/index.php info="},
      {"/app/index.php", "", "script " + R + "/app/index.php name=/app/index.php info="},
      {"/style.css", "", "static " + R + "/style.css"},
      {"/static/", "", "static " + R + "/static/index.html"},
      {"/does/not/exist", "", "script " + R + "/index.php name=/index.php info="},
      {"/leak.txt", "", "script " + R + "/index.php name=/index.php info="},  // symlink out of root
      {"/evil.php", "", "script " + R + "/index.php name=/index.php info="},
      {"/outdir/secret.txt", "", "script " + R + "/index.php name=/index.php info="},
      {"/info.txt", "", "notfound"},  // a script behind a non-.php name is never source
      // ".php" splits only where it ends a segment (Caddy's file matcher): a backup copy is a
      // file of its own (hidden later by the file server's defaults), never info.php run
      {"/info.php.bak", "", "static " + R + "/info.php.bak"},
      {"/info.php.orig", "", "script " + R + "/index.php name=/index.php info="},  // missing: front controller
      {"/info.php.bak/x", "", "script " + R + "/index.php name=/index.php info="},
  };
  for (const auto& c : cases) {
    CAPTURE(c.path);
    CHECK(describe(resolve_php_path(R, c.path, c.query)) == c.want);
  }
}

TEST_CASE("without a front controller unknown paths are not found") {
  Tree t;
  fs::remove(t.base / "root/index.php");
  CHECK(describe(resolve_php_path(t.root, "/nope", "")) == "notfound");
  CHECK(describe(resolve_php_path(t.root, "/static", "")) == "redirect /static/");
  CHECK(describe(resolve_php_path(t.root, "/empty/", "")) == "notfound");
}

TEST_CASE("php_split_position finds the first .php that ends a segment, case-insensitively") {
  CHECK(php_split_position("/a.php/b") == 6);
  CHECK(php_split_position("/a.PHP") == 6);
  CHECK(php_split_position("/a.phtml") == std::string_view::npos);
  CHECK(php_split_position("/x.php.php") == 10);
  CHECK(php_split_position("/x.php.bak") == std::string_view::npos);
  CHECK(php_split_position("/x.php~") == std::string_view::npos);
  CHECK(php_split_position("/d.php.old/x.php/i") == 16);
}

#include "server/site.h"

TEST_CASE("sites are chosen by Host") {
  using pogo::server::Site;
  using pogo::server::SiteTable;
  SiteTable t;
  auto a = std::make_unique<Site>();
  a->hosts = {"example.com"};
  auto b = std::make_unique<Site>();
  b->hosts = {"*.example.org"};
  auto any = std::make_unique<Site>();
  const Site *pa = a.get(), *pb = b.get(), *pany = any.get();
  t.add(std::move(a));
  t.add(std::move(b));
  t.add(std::move(any));
  CHECK(&t.match("example.com") == pa);
  CHECK(&t.match("EXAMPLE.com:8080") == pa);
  CHECK(&t.match("www.example.org") == pb);
  CHECK(&t.match("example.org") == pany);
  CHECK(&t.match("[::1]:80") == pany);
  CHECK(&t.match("") == pany);
}
