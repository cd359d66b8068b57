#include <cstdio>

#include "cli/commands.h"
#include "sapi/engine.h"

namespace pogo::cli {

int cmd_help(const Args&) {
  std::printf(
      "Pogo %s — a PHP application server with request-scoped parallel jobs\n"
      "\n"
      "Usage: pogo <command> [options]\n"
      "\n"
      "  run [--config Caddyfile] [--envfile FILE] [--watch]\n"
      "                      serve what a Caddyfile says (default: ./Caddyfile)\n"
      "  reload [--config Caddyfile] [--address ADDR] [--force]\n"
      "                      send a Caddyfile to a running pogo's admin API\n"
      "  stop [--config Caddyfile] [--address ADDR]\n"
      "                      ask a running pogo to stop\n"
      "  health [--config Caddyfile] [--address ADDR] [--ready] [--timeout SECONDS]\n"
      "                      probe a running pogo's admin API (/metrics, or /ready): exit 0 when it answers 2xx\n"
      "  php-server [--listen ADDR] [--root DIR] [--worker FILE[,N]]... [--watch[=PATTERN]]... [--access-log] [--no-hide-defaults] [--mercure] [--debug]\n"
      "                      serve DIR (default: .) on ADDR (default: :8080)\n"
      "  php-cli SCRIPT [ARGS...] | -r CODE [ARGS...] | -i\n"
      "                      run a PHP script (or code, or phpinfo()) with this binary's PHP\n"
      "  fmt [FILE|-] [--overwrite] [--diff]\n"
      "                      format a Caddyfile as caddy fmt does\n"
      "  adapt --config FILE [--pretty]\n"
      "                      print the configuration Pogo will run, as JSON\n"
      "  validate --config FILE\n"
      "                      check a Caddyfile\n"
      "  trust [--storage DIR]\n"
      "                      install the local CA's root certificate in the system trust store\n"
      "  untrust [--storage DIR]\n"
      "                      remove the local CA's root certificate from the system trust store\n"
      "  version             print Pogo's and PHP's versions\n"
      "  build-info          how this binary was built, in the layout of frankenphp build-info\n"
      "  help                this text\n",
      POGO_VERSION);
  return 0;
}

int cmd_php_cli(int argc, char** argv) {
  if (argc < 1) {
    std::fprintf(stderr, "pogo: php-cli needs a script: pogo php-cli script.php [args...] (or -r CODE, or -i)\n");
    return 2;
  }
  return sapi::run_php_cli(argc, argv);
}

}  // namespace pogo::cli
