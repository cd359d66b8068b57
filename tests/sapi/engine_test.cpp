// The engine as scripts see it: SAPI name, version, ini layering, OPcache.
#include <doctest/doctest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "sapi/engine.h"
#include "tests/sapi/harness.h"

using namespace pogo::sapi::test;

TEST_CASE("engine: frankenphp SAPI, ZTS, Pogo's ini defaults, Caddyfile overrides, OPcache on") {
  Response r = run(make_head("GET", "engine_info.php"));
  REQUIRE(r.status == 200);
  auto j = nlohmann::json::parse(r.body);
  CHECK(j["sapi"] == "frankenphp");
  CHECK(j["version"] == pogo::sapi::php_version());
  CHECK(j["zts"] == 1);
  CHECK(j["display_errors"] == "0");
  CHECK(j["html_errors"] == "0");
  CHECK(j["log_errors"] == "1");
  CHECK(j["session_save_path"] == "/tmp");  // from EngineOptions::ini
  // Debian's php8.2 defaults (ini_config.h), below the overrides.
  CHECK(j["mysqli_default_socket"] == "/run/mysqld/mysqld.sock");
  CHECK(j["pdo_mysql_default_socket"] == "/run/mysqld/mysqld.sock");
  CHECK(j["include_path"] == ".:/usr/share/php");
  CHECK(j["upload_progress"] == "0");
#if !defined(__SANITIZE_ADDRESS__)
  CHECK(j["opcache_loaded"] == true);
  CHECK(j["opcache_enabled"] == true);
#endif
}

TEST_CASE("php_version is the embedded PHP's") {
  std::string v = pogo::sapi::php_version();
  CHECK(v.rfind("8.", 0) == 0);
  CHECK(std::count(v.begin(), v.end(), '.') == 2);
}
