#include "cli/serve.h"

#include <csignal>
#include <cstdio>
#include <functional>
#include <optional>
#include <thread>

#include "cli/commands.h"
#include "cli/metrics_dump.h"
#include "cli/open_files_limit.h"
#include "cli/shutdown_watch.h"
#include "pogo/module.h"
#include "pogo/php_workers.h"
#include "pogo/runtime.h"
#include "sapi/php_backend.h"
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
  std::unique_ptr<sapi::PhpBackend> backend;
  std::unique_ptr<jobs::Runtime> pools;
  std::unique_ptr<server::Server> srv;
  try {
    if (plan.php) {
      plan.backend.num_threads = plan.engine.num_threads;
      backend = std::make_unique<sapi::PhpBackend>(plan.backend);
      if (!plan.pools.empty()) {
        pools = std::make_unique<jobs::Runtime>(plan.pools, jobs::php_workers());
        jobs::set_runtime(pools.get());
        for (const auto& p : plan.pools)
          log::info("pogo", "pool started", {{"pool", p.name}, {"worker", p.worker}, {"num_threads", p.num_threads},
                                              {"max_wait_ms", p.max_wait.count()}});
      }
    }
    srv = plan.make_server(backend.get());
    srv->start();
  } catch (const std::exception& e) {
    rc = startup_failure("", e);
  }
  std::optional<ShutdownWatch> watch;
  if (rc == 0) {
    int sig = wait_for_shutdown_signal();
    log::info("pogo", "shutting down", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
    watch.emplace(plan.php ? std::function<unsigned()>(sapi::interrupt_running_scripts) : nullptr);
    if (plan.shutdown_delay) std::this_thread::sleep_for(*plan.shutdown_delay);
    watch->start_grace(plan.grace_period);
  }
  // Reverse order: in-flight requests finish (their jobs still run), then PHP threads, then pools.
  if (srv) srv->shutdown();
  srv.reset();
  if (backend) backend->stop();
  if (pools) pools->shutdown();
  jobs::set_runtime(nullptr);
  pools.reset();
  backend.reset();
  if (plan.php) sapi::engine_stop();
  watch.reset();
  return rc;
}

}  // namespace pogo::cli
