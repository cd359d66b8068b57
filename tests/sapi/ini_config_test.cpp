// ini layering without starting the engine: what goes into ini_entries, when OPcache is added.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include "sapi/ini_config.h"

using pogo::sapi::ini_loads_opcache;
using pogo::sapi::opcache_extension_path;
using pogo::sapi::plan_ini;

namespace {

struct TempIni {
  std::string path;
  explicit TempIni(const std::string& content) {
    char tmpl[] = "/tmp/pogo-ini-XXXXXX";
    int fd = ::mkstemp(tmpl);
    REQUIRE(fd >= 0);
    ::close(fd);
    path = tmpl;
    std::ofstream(path) << content;
  }
  ~TempIni() { ::unlink(path.c_str()); }
};

struct NoScanDir {  // keep the machine's scan directory out of these tests
  NoScanDir() { ::setenv("PHP_INI_SCAN_DIR", "/nonexistent-pogo-scan", 1); }
};

}  // namespace

TEST_CASE("overrides become raw ini lines, after the OPcache line") {
  NoScanDir guard;
  TempIni ini("memory_limit = 64M\n");
  auto plan = plan_ini(ini.path, {{"memory_limit", "256M"}, {"error_reporting", "E_ALL & ~E_NOTICE"}},
                       "frankenphp", true);
  CHECK(plan.php_ini_path == ini.path);
  std::string tail = "memory_limit=256M\nerror_reporting=E_ALL & ~E_NOTICE\n";
  REQUIRE(plan.entries.size() >= tail.size());
  CHECK(plan.entries.compare(plan.entries.size() - tail.size(), tail.size(), tail) == 0);
  if (!opcache_extension_path().empty())
    CHECK(plan.entries.rfind("zend_extension=\"" + opcache_extension_path() + "\"\n", 0) == 0);
}

TEST_CASE("OPcache is not added when an ini file or an override already loads it") {
  NoScanDir guard;
  TempIni loads("; comment\n  zend_extension = opcache.so ; Debian style\n");
  TempIni commented(";zend_extension=opcache.so\nextension=opcache_like_name.so\n");
  CHECK(ini_loads_opcache(loads.path, {}, "frankenphp"));
  CHECK_FALSE(ini_loads_opcache(commented.path, {}, "frankenphp"));
  CHECK(ini_loads_opcache(commented.path, {{"zend_extension", "/x/opcache.so"}}, "frankenphp"));
  CHECK(plan_ini(loads.path, {}, "frankenphp", true).entries.find("zend_extension") == std::string::npos);
}

TEST_CASE("a directive spanning lines is refused") {
  CHECK_THROWS_AS(plan_ini("", {{"memory_limit", "1M\nmax_execution_time=0"}}, "frankenphp", false),
                  std::runtime_error);
  CHECK_THROWS_AS(plan_ini("", {{"", "1"}}, "frankenphp", false), std::runtime_error);
}

TEST_CASE("Debian's defaults: the MySQL socket, upload progress off, sessions where Debian keeps them") {
  using pogo::sapi::debian_ini_defaults;
  using Defaults = std::vector<std::pair<std::string, std::string>>;
  const Defaults always = {{"mysqli.default_socket", "/run/mysqld/mysqld.sock"},
                           {"pdo_mysql.default_socket", "/run/mysqld/mysqld.sock"},
                           {"session.upload_progress.enabled", "0"}};
  // The directory exists: PHP's compiled-in session.save_path (Debian's patch) stands.
  CHECK(debian_ini_defaults("/tmp") == always);
  // It does not: PHP's upstream default (empty: the temporary directory) instead of a
  // session_start() that fails on every request.
  Defaults without = always;
  without.emplace_back("session.save_path", "");
  CHECK(debian_ini_defaults("/nonexistent-pogo-sessions") == without);
}
