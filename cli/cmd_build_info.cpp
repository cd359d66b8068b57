// pogo version and pogo build-info.
//
// build-info answers what `frankenphp build-info` answers (Go's `go version -m` layout: tab-
// separated `path`, `mod`, `dep` and `build` lines), because tools decide from it whether the
// binary is recent enough. Laravel Octane takes the first line that starts with "dep" and names
// github.com/dunglas/frankenphp, and reads the version after its last "v" (>= 1.3.0 wanted). The
// lines are truthful: the `mod` line says this is Pogo, the `dep` line states the level of
// FrankenPHP's API that Pogo implements (kFrankenPhpApiLevel), the `#` line right after it says
// so in words, and the `build` lines give PHP's version and how it and Pogo were built.
//
// The API level is v1.3.0: the first FrankenPHP release whose whole surface Pogo serves — worker
// mode and the frankenphp_* functions, php-server and php-cli, the Caddyfile's `frankenphp`,
// `php_server` and `php`, and what 1.3.0 added: worker `watch` and the frankenphp_* metrics. Pogo
// also has pieces of later releases (match, max_threads, max_idle_time, the threads endpoint), but
// not all of any later one, so claiming a later level would overstate it.
#include <cstdio>

#include "cli/build_info.h"
#include "cli/commands.h"
#include "sapi/engine.h"

namespace pogo::cli {

namespace {
constexpr const char* kFrankenPhpApiLevel = "v1.3.0";
}  // namespace

int cmd_version(const Args&) {
  std::printf("Pogo %s PHP %s (ZTS) implementing FrankenPHP %s's API\n", POGO_VERSION, sapi::php_version().c_str(),
              kFrankenPhpApiLevel);
  return 0;
}

int cmd_build_info(const Args&) {
  std::printf("path\tpogo\n");
  std::printf("mod\tpogo\tv%s\n", POGO_VERSION);
  std::printf("dep\tgithub.com/dunglas/frankenphp\t%s\n", kFrankenPhpApiLevel);
  std::printf("# this binary is Pogo (C++), not FrankenPHP: it implements FrankenPHP's API at the level of "
              "github.com/dunglas/frankenphp %s\n",
              kFrankenPhpApiLevel);
  std::printf("build\tphp.version=%s\n", sapi::php_version().c_str());
  std::printf("build\tphp.zts=1\n");
  std::printf("build\tphp.sapi=embed\n");
  std::printf("build\tphp.prefix=%s\n", POGO_PHP_PREFIX_DIR);
  std::printf("build\tphp.extension_dir=%s\n", POGO_PHP_EXTENSION_DIR);
  std::printf("build\tphp.configure=\"%s\"\n", POGO_PHP_CONFIGURE);
  std::printf("build\tcompiler=\"%s\"\n", POGO_CXX_COMPILER);
  std::printf("build\tbuild_type=%s\n", POGO_BUILD_TYPE);
  return 0;
}

}  // namespace pogo::cli
