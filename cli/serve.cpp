#include "cli/serve.h"

#include <csignal>
#include <cstdio>
#include <functional>
#include <optional>
#include <thread>

#include "cli/commands.h"
#include "cli/instance.h"
#include "cli/metrics_dump.h"
#include "cli/open_files_limit.h"
#include "cli/shutdown_watch.h"
#include "pogo/module.h"
#include "sapi/script_interrupt.h"
#include "server/log.h"

namespace pogo::cli {

void begin_shutdown(std::optional<ShutdownWatch>& watch, int sig, bool php,
                    std::optional<std::chrono::milliseconds> shutdown_delay, std::chrono::milliseconds grace_period) {
  log::info("pogo", "shutting down", {{"signal", sig == SIGTERM ? "SIGTERM" : sig == SIGINT ? "SIGINT" : "admin"}});
  watch.emplace(php ? std::function<unsigned()>([] { return sapi::interrupt_running_scripts(); }) : nullptr);
  if (shutdown_delay) {
    // Everything keeps serving meanwhile; only the admin API's /ready already answers 503.
    log::info("http", "shutdown scheduled", {{"delay_duration", std::to_string(shutdown_delay->count()) + "ms"}});
    std::this_thread::sleep_for(*shutdown_delay);
  }
  watch->start_grace(grace_period);
}

}  // namespace pogo::cli
