// The built-in hide list (server/hidden_paths.h): which paths it covers, and that every static
// file server applies it — php-server's, the Caddyfile's file_server and php_server's static part
// — unless hide_defaults is off, in which case they serve what Caddy would.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "server/hidden_paths.h"
#include "server/routes/file_server.h"
#include "server/routes/php_handler.h"
#include "server/routes/site.h"

using namespace pogo::server;
namespace fs = std::filesystem;

TEST_CASE("default_hide_rule: what the built-in list covers") {
  const std::pair<const char*, const char*> cases[] = {
      {"/.env", ".env*"},
      {"/.env.local", ".env*"},
      {"/.env.production.php", ".env*"},
      {"/.envrc", ".env*"},
      {"/app/.env", ".env*"},
      {"/.ENV", ".env*"},
      {"/.git", ".git"},
      {"/.git/", ".git"},
      {"/.git/config", ".git"},
      {"/vendor/lib/.git/HEAD", ".git"},
      {"/.svn/entries", ".svn"},
      {"/.hg/store", ".hg"},
      {"/.htaccess", ".htaccess"},
      {"/uploads/.htaccess", ".htaccess"},
      {"/admin/.htpasswd", ".htpasswd"},
      {"/secret.php.bak", "*.php.bak"},
      {"/SECRET.PHP.BAK", "*.php.bak"},
      {"/lib/config.php~", "*.php~"},
      {"/.config.php.swp", "*.php.swp"},
      {"/config.php.orig", "*.php.orig"},
      {"/CONFIG.PHP~", "*.php~"},
      {"/a/Config.Php.Swp", "*.php.swp"},
      {"/a/b.PHP.ORIG/c", "*.php.orig"},
      {"/x/.Git/HEAD", ".git"},
      {"/old.php.bak/readme.txt", "*.php.bak"},
      // served as usual
      {"/", ""},
      {"/index.html", ""},
      {"/.well-known/acme-challenge/token", ""},
      {"/.well-known/security.txt", ""},
      {"/environment.txt", ""},
      {"/my.env", ""},
      {"/.gitignore", ""},
      {"/.github/logo.png", ""},
      {"/.hgignore", ""},
      {"/.htaccess.txt", ""},
      {"/secret.php", ""},
      {"/secret.bak", ""},
      {"/notes.php.txt", ""},
      {"/file.php.bak.txt", ""},
      {"/git/config", ""},
  };
  for (const auto& [path, rule] : cases) {
    CAPTURE(path);
    CHECK(default_hide_rule(path) == rule);
  }
}

namespace {

class NullBackend : public Backend {
 public:
  void handle(std::shared_ptr<Exchange>) override {}
};

struct Tree {
  fs::path base;
  std::string root;
  Tree() {
    base = fs::temp_directory_path() / ("pogo-hidden-" + std::to_string(::getpid()));
    fs::remove_all(base);
    for (auto d : {"www/.git", "www/.well-known", "www/sub", ".env-sites"}) fs::create_directories(base / d);
    for (auto f : {"www/.env", "www/.env.local", "www/.git/config", "www/.htaccess", "www/sub/.htpasswd",
                   "www/secret.php", "www/secret.php.bak", "www/secret.php~", "www/secret.php.swp",
                   "www/secret.php.orig", "www/.well-known/x", "www/plain.txt", "www/index.php"})
      std::ofstream(base / f) << "x";
    fs::create_symlink(base / "www/.env", base / "www/innocent.txt");
    root = fs::canonical(base / "www").string();
  }
  ~Tree() { fs::remove_all(base); }
};

// "file" when the handler serves the path as a static file, else the status it answers (2 for
// the backend), 0 when it passes.
std::string outcome(const Handler& h, const std::string& path) {
  RequestHead head;
  head.method = "GET";
  head.uri = path;
  head.path = path;
  Request r(head);
  auto a = h.handle(r);
  if (!a) return "0";
  if (std::holds_alternative<ServeFile>(*a)) return "file";
  if (auto* resp = std::get_if<Respond>(&*a)) return std::to_string(resp->status);
  return "backend";
}

}  // namespace

TEST_CASE("every static file server refuses the built-in list unless hide_defaults is off") {
  Tree t;
  NullBackend backend;
  struct Server {
    const char* name;
    std::unique_ptr<Handler> on, off;
  };
  auto file_server = [&](bool hide) {
    caddyfile::FileServerSpec spec;
    spec.root = t.root;
    spec.hide_defaults = hide;
    return make_file_server_handler(spec, "");
  };
  auto php_server = [&](bool hide) {
    caddyfile::PhpSpec spec;
    spec.root = t.root;
    spec.hide_defaults = hide;
    return make_php_handler(spec, PhpKind::server, &backend);
  };
  Server servers[] = {
      {"Caddyfile file_server", file_server(true), file_server(false)},
      {"Caddyfile php_server", php_server(true), php_server(false)},
  };
  const char* hidden[] = {"/.env", "/.env.local", "/.git/config", "/.htaccess", "/sub/.htpasswd",
                          "/secret.php.bak", "/secret.php~", "/secret.php.swp", "/secret.php.orig", "/innocent.txt"};
  for (auto& s : servers) {
    CAPTURE(s.name);
    for (const char* path : hidden) {
      CAPTURE(path);
      CHECK(outcome(*s.on, path) == "404");
      CHECK(outcome(*s.off, path) == "file");
    }
    for (const char* path : {"/.well-known/x", "/plain.txt"}) {
      CAPTURE(path);
      CHECK(outcome(*s.on, path) == "file");
    }
  }
}

TEST_CASE("a root below a directory the list names hides nothing by itself") {
  Tree t;
  fs::create_directories(t.base / ".env-sites/www");
  std::ofstream(t.base / ".env-sites/www/page.txt") << "x";
  std::string root = fs::canonical(t.base / ".env-sites/www").string();
  caddyfile::FileServerSpec spec;
  spec.root = root;
  auto h = make_file_server_handler(spec, "");
  CHECK(outcome(*h, "/page.txt") == "file");
  caddyfile::PhpSpec php;
  php.root = root;
  NullBackend backend;
  CHECK(outcome(*make_php_handler(php, PhpKind::server, &backend), "/page.txt") == "file");
}
