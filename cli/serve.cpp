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

namespace {
int startup_failure(const char* what, const std::exception& e) {
  std::fprintf(stderr, "pogo: %s%s\n", what, e.what());
  return 1;
}
}  // namespace

int serve(ServePlan& plan) {
  block_shutdown_signals();
  MetricsDump metrics_dump;  // POGO_METRICS_DUMP: metrics::render() to that file on SIGUSR2 (tests)
  raise_open_files_limit();
  if (plan.php) {
    plan.engine.extra_modules.push_back(jobs::module_entry());
    try {
      sapi::engine_start(plan.engine);
    } catch (const std::exception& e) {
      return startup_failure("PHP engine failed to start: ", e);
    }
  }
  int rc = 0;
  bool php = plan.php;
  auto grace = plan.grace_period;
  auto delay = plan.shutdown_delay;
  Instance instance(std::move(plan));
  try {
    instance.start();
  } catch (const std::exception& e) {
    rc = startup_failure("", e);
  }
  std::optional<ShutdownWatch> watch;
  if (rc == 0) {
    int sig = wait_for_shutdown_signal();
    begin_shutdown(watch, sig, php, delay, grace);
  }
  instance.stop();
  if (php) sapi::engine_stop();
  watch.reset();
  return rc;
}

void begin_shutdown(std::optional<ShutdownWatch>& watch, int sig, bool php,
                    std::optional<std::chrono::milliseconds> shutdown_delay, std::chrono::milliseconds grace_period) {
  log::info("pogo", "shutting down", {{"signal", sig == SIGTERM ? "SIGTERM" : sig == SIGINT ? "SIGINT" : "admin"}});
  watch.emplace(php ? std::function<unsigned()>([] { return sapi::interrupt_running_scripts(); }) : nullptr);
  if (shutdown_delay) std::this_thread::sleep_for(*shutdown_delay);
  watch->start_grace(grace_period);
}

}  // namespace pogo::cli
