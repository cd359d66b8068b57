// What the admin API asks of the running process. `cli/` implements it (the composition root
// owns the configuration, the PHP backend and the servers); admin/ only speaks HTTP and JSON.
//
// Threads: every method is called on the admin API's thread; implementations serialise loads
// with reloads from elsewhere (SIGUSR1, --watch) themselves.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace pogo::admin {

struct LoadResult {
  bool changed = false;               // false: the configuration was the same, nothing reloaded
  std::vector<std::string> warnings;  // "FILE:LINE: message" from adapting a Caddyfile
};

class Control {
 public:
  virtual ~Control() = default;

  // The running configuration as JSON (what `pogo adapt` prints).
  virtual nlohmann::json config() = 0;
  // Makes `edit(current)` the configuration: the new one starts, then the old one stops. An
  // unchanged document is a no-op unless `force`. Throws AdminError (400 with the reason when
  // the document is not a valid configuration; the old one keeps serving).
  virtual LoadResult change(const std::function<nlohmann::json(const nlohmann::json& current)>& edit, bool force) = 0;
  // A Caddyfile as JSON; throws AdminError(400) with `FILE:LINE: message`.
  virtual nlohmann::json adapt(const std::string& caddyfile, std::vector<std::string>& warnings) = 0;
  // Asks the process to stop (as SIGTERM does) once the current response is sent; returns at once.
  virtual void stop() = 0;
  // Every worker's threads finish their request and boot the worker script again.
  virtual void restart_workers() = 0;
  // FrankenPHP's /frankenphp/threads document.
  virtual nlohmann::json threads() = 0;
  // The Prometheus text exposition.
  virtual std::string metrics() = 0;
  // Whether a load balancer should send this process new requests: false from the moment a
  // shutdown begins (SIGTERM, SIGINT, POST /stop), while it still serves through shutdown_delay.
  virtual bool ready() = 0;
};

}  // namespace pogo::admin
