#include <cstdio>

#include "cli/commands.h"
#include "sapi/engine.h"

namespace pogo::cli {

int cmd_version(const Args&) {
  std::printf("Pogo %s PHP %s (ZTS)\n", POGO_VERSION, sapi::php_version().c_str());
  return 0;
}

int cmd_help(const Args&) {
  std::printf(
      "Pogo %s — a PHP application server with request-scoped parallel jobs\n"
      "\n"
      "Usage: pogo <command> [options]\n"
      "\n"
      "  php-server [--listen ADDR] [--root DIR] [--access-log] [--debug]\n"
      "                      serve DIR (default: .) on ADDR (default: :8080)\n"
      "  php-cli SCRIPT [ARGS...]\n"
      "                      run a PHP script with this binary's PHP\n"
      "  version             print Pogo's and PHP's versions\n"
      "  help                this text\n",
      POGO_VERSION);
  return 0;
}

int cmd_php_cli(int argc, char** argv) {
  if (argc < 1) {
    std::fprintf(stderr, "pogo: php-cli needs a script: pogo php-cli script.php [args...]\n");
    return 2;
  }
  return sapi::run_php_cli(argc, argv);
}

}  // namespace pogo::cli
