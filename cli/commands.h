// The subcommands of `pogo`. Each takes the arguments after its name and returns the process's
// exit code (0 success, 1 configuration or start-up failure, 2 usage error). Main thread only.
#pragma once

#include <string>
#include <vector>

namespace pogo::cli {

using Args = std::vector<std::string>;

int cmd_php_server(const Args& args);
int cmd_run(const Args& args);  // serve a Caddyfile
int cmd_php_cli(int argc, char** argv);  // argv[0] is the script
int cmd_version(const Args& args);
int cmd_build_info(const Args& args);  // frankenphp build-info's layout (cli/cmd_build_info.cpp)
int cmd_help(const Args& args);
int cmd_trust(const Args& args);    // install the local CA's root into the system trust store
int cmd_untrust(const Args& args);  // and remove it
int cmd_reload(const Args& args);   // send a Caddyfile to a running pogo's admin API
int cmd_stop(const Args& args);     // ask a running pogo to stop (POST /stop)
int cmd_health(const Args& args);   // probe a running pogo's admin API: /metrics, or /ready (exit 0 on 2xx)

// Blocks SIGTERM/SIGINT/SIGHUP in the calling thread (call before any thread starts, so every
// thread inherits the mask) and ignores SIGPIPE.
void block_shutdown_signals();
// Waits for SIGTERM or SIGINT and returns its number.
int wait_for_shutdown_signal();

}  // namespace pogo::cli
