// What one configuration serves (ServePlan: the PHP engine's options, the backend's threads and
// workers, the Pogo pools, the HTTP server to build), the same for `pogo run` and `pogo php-server`;
// an Instance (instance.h) starts and stops it and the Runtime (runtime.h) runs, reloads and stops
// instances. begin_shutdown() is every shutdown's first step: a shutdown is bounded by a
// ShutdownWatch (a second signal exits with 2, scripts are interrupted after the grace period).
//
// Threads: main thread only.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "pogo/pool.h"
#include "sapi/engine.h"
#include "sapi/worker_config.h"
#include "cli/shutdown_watch.h"
#include "server/server.h"

namespace pogo::cli {

struct ServePlan {
  bool php = true;  // false: no engine, no backend (a Caddyfile without PHP sites)
  sapi::EngineOptions engine;
  sapi::BackendOptions backend;
  std::vector<jobs::PoolConfig> pools;  // empty: the pogo_* functions say "Pogo is not configured"
  std::optional<std::chrono::milliseconds> shutdown_delay;
  // After it, scripts still running are interrupted and the process exits (shutdown_watch.h).
  std::chrono::milliseconds grace_period{15000};
  // Builds the server once the backend exists (nullptr when !php).
  std::function<std::unique_ptr<server::Server>(server::Backend*)> make_server;
  // Before the server drains: ends the responses that never end on their own (Mercure
  // subscriptions, told to reconnect), so the grace period waits for real requests only.
  std::function<void()> before_shutdown;
};

// The first step of every shutdown (SIGTERM, SIGINT, POST /stop): the log line, the watch that
// bounds it (emplaced in `watch`), shutdown_delay, then the grace period starts. `sig` 0: asked
// by the admin API.
void begin_shutdown(std::optional<ShutdownWatch>& watch, int sig, bool php,
                    std::optional<std::chrono::milliseconds> shutdown_delay, std::chrono::milliseconds grace_period);

}  // namespace pogo::cli
