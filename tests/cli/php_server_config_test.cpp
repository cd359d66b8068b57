// `pogo php-server`'s flags as the configuration FrankenPHP's php-server builds
// (cli/php_server_config): what the site holds, and that the Config survives the JSON round trip
// the admin API and `pogo adapt` rely on.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "caddyfile/config_from_json.h"
#include "caddyfile/config_json.h"
#include "caddyfile/error.h"
#include "cli/php_server_config.h"

namespace cf = caddyfile;
using pogo::cli::php_server_config;
using pogo::cli::PhpServerFlags;

namespace {

void check_round_trip(const cf::Config& c) {
  const nlohmann::json j = cf::to_json(c);
  CHECK(cf::to_json(cf::config_from_json(j)) == j);
}

template <typename T>
const T* handler(const cf::Site& s, const std::string& directive) {
  for (const cf::Handler& h : s.handlers)
    if (h.directive == directive) return std::get_if<T>(&h.spec);
  return nullptr;
}

}  // namespace

TEST_CASE("php-server's defaults: one catch-all HTTP site with encode and php_server, admin off") {
  PhpServerFlags f;
  f.root = "/srv/app/public/";
  cf::Config c = php_server_config(f);
  CHECK(c.global.admin == "off");
  CHECK_FALSE(c.global.debug);
  CHECK_FALSE(c.global.frankenphp.present);
  REQUIRE(c.global.servers.size() == 1);
  CHECK(c.global.servers[0].idle == cf::Duration(std::chrono::seconds(30)));
  CHECK(c.global.servers[0].read_header == cf::Duration(std::chrono::seconds(10)));
  CHECK_FALSE(c.global.servers[0].max_header_size);  // Caddy's default, not FrankenPHP's 16 KiB
  REQUIRE(c.sites.size() == 1);
  const cf::Site& s = c.sites[0];
  REQUIRE(s.addresses.size() == 1);
  CHECK(s.addresses[0].scheme == "http");
  CHECK(s.addresses[0].host == "");
  CHECK(s.addresses[0].port == 8080);
  CHECK(s.bind.empty());
  CHECK(s.logs.empty());
  REQUIRE(s.handlers.size() == 2);
  CHECK(s.handlers[0].directive == "encode");
  CHECK(s.handlers[1].directive == "php_server");
  const auto* e = handler<cf::EncodeSpec>(s, "encode");
  REQUIRE(e);
  CHECK(e->formats == std::vector<std::string>{"zstd", "br", "gzip"});
  const auto* php = handler<cf::PhpSpec>(s, "php_server");
  REQUIRE(php);
  CHECK(php->root == "/srv/app/public");
  CHECK(php->hide_defaults);
  CHECK(php->file_server);
  CHECK(c.https.certificates.empty());
  check_round_trip(c);
}

TEST_CASE("php-server's flags: listen, workers with watch, access log, debug, no compression, no hide list") {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("pogo-php-server-config-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "a.php") << "<?php";
  std::ofstream(dir / "b.php") << "<?php";
  PhpServerFlags f;
  f.listen = "127.0.0.1:0";
  f.root = dir.string();
  f.workers = {{(dir / "a.php").string(), 2}, {(dir / "b.php").string(), 0}};
  f.watch = {"./**/*.php"};
  f.access_log = true;
  f.debug = true;
  f.compress = false;
  f.hide_defaults = false;
  cf::Config c = php_server_config(f);
  CHECK(c.global.debug);
  REQUIRE(c.global.frankenphp.workers.size() == 2);
  CHECK(c.global.frankenphp.present);
  CHECK(c.global.frankenphp.workers[0].path == (dir / "a.php").string());
  CHECK(c.global.frankenphp.workers[0].num == 2);
  CHECK(c.global.frankenphp.workers[0].watch == std::vector<std::string>{"./**/*.php"});
  CHECK(c.global.frankenphp.workers[1].watch.empty());
  const cf::Site& s = c.sites[0];
  CHECK(s.addresses[0].port == 0);  // an ephemeral port
  CHECK(s.bind == std::vector<std::string>{"127.0.0.1"});
  CHECK(s.logs.size() == 1);
  REQUIRE(s.handlers.size() == 1);
  CHECK(s.handlers[0].directive == "php_server");
  CHECK_FALSE(handler<cf::PhpSpec>(s, "php_server")->hide_defaults);
  check_round_trip(c);
  std::filesystem::remove_all(dir);
}

TEST_CASE("php-server --domain: that host over HTTPS on :443 with a certificate and the HTTP redirect") {
  PhpServerFlags f;
  f.domain = "Example.COM";
  cf::Config c = php_server_config(f);
  const cf::Address& a = c.sites[0].addresses[0];
  CHECK(a.host == "example.com");
  CHECK(a.scheme == "https");
  CHECK(a.port == 443);
  REQUIRE(c.https.certificates.size() == 1);
  CHECK(c.https.certificates[0].name == "example.com");
  CHECK(c.https.redirects.size() == 1);
  check_round_trip(c);

  f.listen = "127.0.0.1:8443";
  cf::Config on_port = php_server_config(f);
  CHECK(on_port.sites[0].addresses[0].port == 8443);
  CHECK(on_port.sites[0].addresses[0].scheme == "https");
  CHECK(on_port.sites[0].bind == std::vector<std::string>{"127.0.0.1"});
}

TEST_CASE("php-server: an unusable listen address is one error naming the flag") {
  PhpServerFlags f;
  f.listen = "unix//tmp/pogo.sock";
  CHECK_THROWS_WITH_AS(php_server_config(f),
                       "php-server: --listen unix//tmp/pogo.sock: a unix socket is not supported by php-server; use a Caddyfile",
                       cf::Error);
  f.listen = "127.0.0.1:99999";
  CHECK_THROWS_AS(php_server_config(f), cf::Error);
}
