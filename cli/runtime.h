// The Runtime of `pogo run`: the PHP engine, the running configuration (an Instance), the admin
// API, and every way the configuration changes while the process lives — the admin API's
// /load and /config edits, SIGUSR1 (the file `run` started with, read again), `--watch`.
//
// A reload starts the new Instance on the listening sockets of the running one, and only then
// retires the old one on a thread of its own: its in-flight requests, long scripts and jobs
// finish within grace_period while the new one already serves. A configuration that fails to
// build or start leaves the old one serving, and the error says why. A change of the engine's
// own settings (php_ini, or PHP needed for the first time with different settings) cannot overlap:
// the old instance is drained first and the engine restarts, while the sockets stay open (new
// connections wait in the backlog, none is refused).
//
// Threads: run() on the main thread, which also takes the signals; the admin::Control methods on
// the admin thread; reload_file() on the main thread or a watcher's. Loads are serialised by mu_.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "admin/admin_server.h"
#include "admin/control.h"
#include "caddyfile/config.h"
#include "cli/instance.h"
#include "sapi/engine.h"

namespace pogo::cli {

class Runtime : public admin::Control {
 public:
  // `config_file`: what SIGUSR1 and --watch read again ("" for none). `watch`: a change of the
  // file reloads it (pogo run --watch).
  explicit Runtime(std::string config_file, bool watch = false);
  ~Runtime() override;
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // Serves `config` until SIGTERM/SIGINT or POST /stop; returns the exit code (1: start-up failed).
  int run(caddyfile::Config config);

  // Reads the configuration file again and loads it (no-op when unchanged, unless `force`).
  // Errors are logged, and returned as the message ("" on success).
  std::string reload_file(bool force);

  // admin::Control (admin thread)
  nlohmann::json config() override;
  admin::LoadResult change(const std::function<nlohmann::json(const nlohmann::json&)>& edit, bool force) override;
  nlohmann::json adapt(const std::string& caddyfile, std::vector<std::string>& warnings) override;
  void stop() override;
  void restart_workers() override;
  nlohmann::json threads() override;
  std::string metrics() override;
  bool ready() override { return !draining_.load(); }

 private:
  // mu_ held. Makes `config` (whose JSON is `doc`) the running configuration.
  admin::LoadResult load(caddyfile::Config config, nlohmann::json doc, bool force);
  void replace_engine(const ServePlan& plan, std::unique_ptr<Instance>& next);  // mu_ held
  void reap_retired(bool all);  // mu_ held
  void sync_admin();            // main thread: starts/stops the admin server the config asks for

  const std::string config_file_;
  const bool watch_;
  std::mutex mu_;
  caddyfile::Config config_;
  nlohmann::json doc_;
  std::unique_ptr<Instance> current_;
  bool engine_running_ = false;
  sapi::EngineOptions engine_;
  struct Retiring {
    std::unique_ptr<Instance> instance;
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::vector<Retiring> retiring_;
  std::unique_ptr<admin::AdminServer> admin_;
  std::string admin_wanted_;  // mu_: the address the running configuration asks for
  std::atomic<bool> admin_changed_{false};
  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> draining_{false};  // set once a shutdown begins: /ready answers 503
};

}  // namespace pogo::cli
