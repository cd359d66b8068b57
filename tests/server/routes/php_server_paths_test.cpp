// php_server's path resolution (server/routes/php_handler), as FrankenPHP's php_server resolves
// paths with Caddy matchers: a directory holding index.php without its trailing slash is
// redirected; try_files {path} {path}/index.php index.php, each candidate split after the first
// ".php" that ends a path segment; a directory with index.html in its slash form is a static
// file; a candidate counts only when its real path stays inside the root.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "server/routes/php_handler.h"
#include "server/routes/site.h"

using namespace pogo::server;
namespace fs = std::filesystem;

namespace {

class NullBackend : public Backend {
 public:
  void handle(std::shared_ptr<Exchange>) override {}
};

struct Tree {
  fs::path base;
  std::string root;
  Tree() {
    // A fresh directory per tree: the loop thread's open-file cache trusts what it saw for up to
    // a second, and a tree rebuilt at the same path with a file removed would look unchanged.
    static int counter = 0;
    base = fs::temp_directory_path() / ("pogo-php-paths-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(base);
    for (auto d : {"root/dir", "root/app", "root/static", "root/empty", "root/d.php.old", "outside"})
      fs::create_directories(base / d);
    for (auto f : {"root/index.php", "root/app/index.php", "root/info.php", "root/style.css", "root/static/index.html",
                   "root/UPPER.PHP", "root/info.php.bak", "root/x.php.php", "root/d.php.old/x.php", "outside/evil.php",
                   "outside/secret.txt"})
      std::ofstream(base / f) << "x";
    fs::create_symlink(base / "outside/secret.txt", base / "root/leak.txt");
    fs::create_symlink(base / "outside/evil.php", base / "root/evil.php");
    fs::create_symlink(base / "outside", base / "root/outdir");
    fs::create_symlink(base / "root/info.php", base / "root/info.txt");
    root = fs::canonical(base / "root").string();
  }
  ~Tree() { fs::remove_all(base); }
};

// What php_server decided for `path`: "redirect LOCATION", "static FILE", "script FILENAME
// name=SCRIPT_NAME info=PATH_INFO", or the status it answers.
std::string resolve(const Handler& h, const std::string& path, const std::string& query = "") {
  RequestHead head;
  head.method = "GET";
  head.path = path;
  head.query = query;
  head.uri = query.empty() ? path : path + "?" + query;
  Request r(head);
  auto a = h.handle(r);
  if (!a) return "passed";
  if (auto* f = std::get_if<ServeFile>(&*a)) return "static " + f->file;
  if (std::holds_alternative<ToBackend>(*a))
    return "script " + head.script_filename + " name=" + head.script_name + " info=" + head.path_info;
  const Respond& resp = std::get<Respond>(*a);
  if (resp.status == 308)
    for (const auto& [name, value] : resp.headers)
      if (name == "Location") return "redirect " + value;
  return std::to_string(resp.status);
}

std::unique_ptr<Handler> php_server(const std::string& root, Backend* backend) {
  caddyfile::PhpSpec spec;
  spec.root = root;
  return make_php_handler(spec, PhpKind::server, backend);
}

}  // namespace

TEST_CASE("php_server path resolution") {
  Tree t;
  NullBackend backend;
  auto h = php_server(t.root, &backend);
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
      // `{path}` wants a file (server/routes/try_files.cpp): a directory without index.php goes to
      // the front controller, as php_server's try_files falls back to it
      {"/static/", "", "script " + R + "/index.php name=/index.php info="},
      {"/does/not/exist", "", "script " + R + "/index.php name=/index.php info="},
      {"/leak.txt", "", "script " + R + "/index.php name=/index.php info="},  // symlink out of root
      {"/evil.php", "", "script " + R + "/index.php name=/index.php info="},
      {"/outdir/secret.txt", "", "script " + R + "/index.php name=/index.php info="},
      {"/info.txt", "", "404"},  // a script behind a non-.php name is never source
      // ".php" splits only where it ends a segment (Caddy's file matcher): a backup copy is a
      // file of its own (hidden by the file server's defaults), never info.php run
      {"/info.php.bak", "", "404"},
      {"/info.php.orig", "", "script " + R + "/index.php name=/index.php info="},  // missing: front controller
      {"/info.php.bak/x", "", "script " + R + "/index.php name=/index.php info="},
      // the first ".php" ending a segment splits, case-insensitively
      {"/x.php.php", "", "script " + R + "/x.php.php name=/x.php.php info="},
      {"/d.php.old/x.php/i", "", "script " + R + "/d.php.old/x.php name=/d.php.old/x.php info=/i"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.path);
    CHECK(resolve(*h, c.path, c.query) == c.want);
  }
}

TEST_CASE("php_server without a front controller: unknown paths are not found") {
  Tree t;
  fs::remove(t.base / "root/index.php");
  NullBackend backend;
  auto h = php_server(t.root, &backend);
  CHECK(resolve(*h, "/nope") == "404");
  CHECK(resolve(*h, "/static") == "404");  // try_files falls back to the missing index.php
  CHECK(resolve(*h, "/empty/") == "404");
}

TEST_CASE("sites are chosen by Host") {
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

namespace {
// Answers every request with its status.
class Answer : public Handler {
 public:
  explicit Answer(int status) : status_(status) {}
  std::optional<Action> handle(Request&) const override { return Respond{status_}; }

 private:
  int status_;
};

int status_of(const Action& a) { return std::get<Respond>(a).status; }
}  // namespace

TEST_CASE("a SiteTable is the core's Router: the site by Host, its error routes, unmatched hosts") {
  SiteTable t;
  auto a = std::make_unique<Site>();
  a->hosts = {"example.com"};
  a->chain.push_back(std::make_unique<Answer>(201));
  ErrorRoute e;
  e.codes = {404};
  e.route = std::make_unique<Answer>(299);
  a->errors.push_back(std::move(e));
  auto b = std::make_unique<Site>();
  b->hosts = {"b.test"};
  b->chain.push_back(std::make_unique<Answer>(202));
  t.add(std::move(a));
  t.add(std::move(b));
  const Router& router = t;
  RequestHead h;
  h.path = "/";
  auto route = [&](std::string_view host, const ErrorRoutes*& errors) {
    Request r(h);
    return status_of(router.route(host, r, errors));
  };

  const ErrorRoutes* errors = nullptr;
  CHECK(route("EXAMPLE.com:8080", errors) == 201);
  REQUIRE(errors);
  CHECK(errors->handles(404));
  CHECK_FALSE(errors->handles(500));
  Request r(h);
  auto answered = errors->answer(404, r);
  REQUIRE(answered);
  CHECK(status_of(*answered) == 299);
  CHECK_FALSE(errors->answer(500, r));

  // A site without handle_errors leaves `errors` alone: nothing is kept per request for it.
  const ErrorRoutes* none = nullptr;
  CHECK(route("b.test", none) == 202);
  CHECK(none == nullptr);

  // A host no site serves: the first site (the admin API's policy), or Caddy's empty 200.
  CHECK(route("other.test", none) == 201);
  t.unmatched_host_empty_200 = true;
  none = nullptr;
  Request rq(h);
  Action empty = router.route("other.test", rq, none);
  CHECK(status_of(empty) == 200);
  CHECK(std::get<Respond>(empty).body.empty());
  CHECK(none == nullptr);
}
