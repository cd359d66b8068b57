// pogo: the composition root. Dispatches to the subcommands; nothing else includes cli/.
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#include "cli/cmd_config.h"
#include "cli/commands.h"

int main(int argc, char** argv) {
  using namespace pogo::cli;
  if (argc < 2) return cmd_help({});
  std::string cmd = argv[1];
  Args rest(argv + 2, argv + argc);
  try {
    if (cmd == "run") return cmd_run(rest);
    if (cmd == "fmt") return cmd_fmt(rest);
    if (cmd == "adapt") return cmd_adapt(rest);
    if (cmd == "validate") return cmd_validate(rest);
    if (cmd == "php-server") return cmd_php_server(rest);
    if (cmd == "trust") return cmd_trust(rest);
    if (cmd == "untrust") return cmd_untrust(rest);
    if (cmd == "reload") return cmd_reload(rest);
    if (cmd == "stop") return cmd_stop(rest);
    if (cmd == "health") return cmd_health(rest);
    if (cmd == "php-cli") return cmd_php_cli(argc - 2, argv + 2);
    if (cmd == "version" || cmd == "--version" || cmd == "-v") return cmd_version(rest);
    if (cmd == "build-info") return cmd_build_info(rest);
    if (cmd == "help" || cmd == "--help" || cmd == "-h") return cmd_help(rest);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pogo: %s\n", e.what());
    return 1;
  }
  std::fprintf(stderr, "pogo: unknown command \"%s\" (try: pogo help)\n", cmd.c_str());
  return 2;
}
