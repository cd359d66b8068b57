#include "cli/runtime.h"

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iterator>

#include "admin/error.h"
#include "caddyfile/config_from_json.h"
#include "caddyfile/config_json.h"
#include "caddyfile/error.h"
#include "caddyfile/load.h"
#include "cli/commands.h"
#include "cli/metrics_dump.h"
#include "cli/open_files_limit.h"
#include "cli/run_plan.h"
#include "cli/systemd_notify.h"
#include "cli/shutdown_watch.h"
#include "metrics/registry.h"
#include "mercure/php_module.h"
#include "pogo/module.h"
#include "sapi/script_interrupt.h"
#include "server/file_watcher.h"
#include "server/log.h"
#include "server/startup_error.h"

namespace pogo::cli {

namespace cf = caddyfile;
using nlohmann::json;

namespace {

sapi::EngineOptions with_pogo_module(sapi::EngineOptions e) {
  e.extra_modules.push_back(jobs::module_entry());
  e.extra_modules.push_back(mercure::module_entry());
  return e;
}

// Waits up to `timeout` for SIGTERM, SIGINT, SIGHUP or SIGUSR1 (blocked in every thread);
// 0 when none came.
int wait_signal(std::chrono::milliseconds timeout) {
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGTERM, SIGINT, SIGHUP, SIGUSR1}) sigaddset(&set, s);
  timespec ts{time_t(timeout.count() / 1000), long(timeout.count() % 1000) * 1000000L};
  int sig = sigtimedwait(&set, nullptr, &ts);
  return sig < 0 ? 0 : sig;
}

}  // namespace

Runtime::Runtime(std::string config_file, bool watch) : config_file_(std::move(config_file)), watch_(watch) {}

Runtime::~Runtime() = default;

int Runtime::run(cf::Config config) {
  block_shutdown_signals();
  MetricsDump metrics_dump;  // POGO_METRICS_DUMP: metrics::render() to that file on SIGUSR2 (tests)
  raise_open_files_limit();
  apply_logging(config.global);
  for (const cf::Warning& w : config.warnings) log::warn("caddyfile", w.str());
  ServePlan plan = plan_for(config);  // cf::Error: the caller prints it
  if (plan.php) {
    try {
      sapi::engine_start(with_pogo_module(plan.engine));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "pogo: PHP engine failed to start: %s\n", e.what());
      return 1;
    }
    engine_running_ = true;
    engine_ = plan.engine;
  }
  int rc = 0;
  {
    std::lock_guard lock(mu_);
    current_ = std::make_unique<Instance>(std::move(plan));
    try {
      current_->start();
      doc_ = cf::to_json(config);
      admin_wanted_ = admin_address(&config);
      config_ = std::move(config);
      metrics::config_loaded(true);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "pogo: %s\n", e.what());
      rc = 1;
    }
  }
  if (rc == 0) {
    try {
      sync_admin();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "pogo: admin endpoint: %s\n", e.what());
      rc = 1;
    }
  }
  std::optional<ShutdownWatch> watch;
  std::unique_ptr<server::FileWatcher> watcher;
  if (rc == 0 && watch_) {
    // The watcher's thread only asks: the main thread reloads, as for SIGUSR1.
    watcher = std::make_unique<server::FileWatcher>(
        std::vector<std::string>{std::filesystem::absolute(config_file_).string()},
        [](const std::vector<std::string>&) { ::kill(::getpid(), SIGUSR1); });
    log::info("pogo", "watching the configuration file for changes", {{"file", config_file_}});
  }
  if (rc == 0) {
    sd_notify_ready();
    int sig = 0;
    for (;;) {
      sig = wait_signal(std::chrono::milliseconds(100));
      if (sig == SIGTERM || sig == SIGINT) break;
      if (sig == SIGUSR1) {
        log::info("pogo", "SIGUSR1: reloading the configuration", {{"file", config_file_}});
        reload_file(false);
      }
      if (stop_requested_.load()) {
        sig = 0;
        break;
      }
      if (admin_changed_.exchange(false)) {
        try {
          sync_admin();
        } catch (const std::exception& e) {
          log::error("admin", "admin endpoint could not start", {{"error", e.what()}});
        }
      }
    }
    // Readiness fails first, while everything still serves: a load balancer polling /ready takes
    // this replica out during shutdown_delay, before the listeners close.
    draining_ = true;
    sd_notify_stopping();
    watcher.reset();
    std::lock_guard lock(mu_);
    begin_shutdown(watch, sig, engine_running_, current_->plan().shutdown_delay, current_->plan().grace_period);
  }
  admin_.reset();  // answers what it was answering, takes no more
  {
    std::lock_guard lock(mu_);
    if (current_) current_->stop();
    current_.reset();
    reap_retired(true);
  }
  if (engine_running_) sapi::engine_stop();
  watch.reset();
  return rc;
}

void Runtime::sync_admin() {
  std::string wanted;
  {
    std::lock_guard lock(mu_);
    wanted = admin_wanted_;
  }
  if (admin_ && admin_->address() == wanted) return;
  if (admin_) admin_.reset();
  if (wanted.empty()) return;
  auto next = std::make_unique<admin::AdminServer>(wanted, *this);
  next->start();
  admin_ = std::move(next);
}

std::string Runtime::reload_file(bool force) {
  if (config_file_.empty()) return "no configuration file to reload";
  try {
    cf::Config config = cf::load_config(config_file_);
    json doc = cf::to_json(config);
    std::lock_guard lock(mu_);
    admin::LoadResult r = load(std::move(config), std::move(doc), force);
    if (!r.changed) log::info("pogo", "config is unchanged");
    return "";
  } catch (const std::exception& e) {
    log::error("pogo", "reload failed; the previous configuration keeps serving", {{"error", e.what()}});
    return e.what();
  }
}

admin::LoadResult Runtime::load(cf::Config config, json doc, bool force) {
  admin::LoadResult result;
  if (!force && doc == doc_) return result;
  sd_notify_reloading();
  struct Ready {  // systemd hears READY=1 again whether the reload worked or not
    ~Ready() { sd_notify_ready(); }
  } ready;
  reap_retired(false);
  for (const cf::Warning& w : config.warnings) result.warnings.push_back(w.str());
  ServePlan plan;
  try {
    plan = plan_for(config);
  } catch (const std::exception& e) {
    metrics::config_loaded(false);
    throw admin::AdminError(400, std::string("loading new config: ") + e.what());
  }
  auto next = std::make_unique<Instance>(std::move(plan));
  bool engine_change = next->plan().php && (!engine_running_ || next->plan().engine.ini != engine_.ini ||
                                            next->plan().engine.php_ini_path != engine_.php_ini_path);
  if (engine_change && engine_running_) {
    replace_engine(next->plan(), next);
  } else {
    if (next->plan().php && !engine_running_) {
      try {
        sapi::engine_start(with_pogo_module(next->plan().engine));
      } catch (const std::exception& e) {
        metrics::config_loaded(false);
        throw admin::AdminError(400, std::string("loading new config: PHP engine failed to start: ") + e.what());
      }
      engine_running_ = true;
      engine_ = next->plan().engine;
    }
    server::ListenSockets inherit = current_->server() ? current_->server()->duplicate_listen_sockets()
                                                       : server::ListenSockets{};
    try {
      next->start(&inherit);
    } catch (const std::exception& e) {
      server::close_listen_sockets(inherit);
      metrics::config_loaded(false);
      log::error("pogo", "new configuration failed to start; the previous one keeps serving", {{"error", e.what()}});
      throw admin::AdminError(400, std::string("loading new config: ") + e.what());
    }
    // What is left are the addresses the new configuration no longer serves: as Caddy, those
    // (and only those) wait for shutdown_delay before the old instance drains.
    std::optional<std::chrono::milliseconds> delay;
    if (!inherit.empty()) delay = current_->plan().shutdown_delay;
    server::close_listen_sockets(inherit);
    // The new server listens: the old one stops accepting now, so that a client connecting once
    // the load has been answered reaches the new configuration (not the old one, whose scripts
    // the grace period would interrupt). Addresses only the old configuration serves keep
    // accepting through shutdown_delay, as in Caddy.
    if (!delay && current_->server()) current_->server()->stop_accepting();
    // The old instance drains on a thread of its own: the new one serves meanwhile.
    Retiring r;
    r.instance = std::move(current_);
    r.done = std::make_shared<std::atomic<bool>>(false);
    r.thread = std::thread([inst = r.instance.get(), done = r.done, delay] {
      if (delay) {
        log::info("http", "shutdown scheduled", {{"delay_duration", std::to_string(delay->count()) + "ms"}});
        std::this_thread::sleep_for(*delay);
      }
      inst->stop(/*last_call=*/true);
      done->store(true);
    });
    retiring_.push_back(std::move(r));
    current_ = std::move(next);
  }
  std::string admin_before = admin_wanted_;
  admin_wanted_ = admin_address(&config);
  if (admin_wanted_ != admin_before) admin_changed_ = true;
  apply_logging(config.global);
  config_ = std::move(config);
  doc_ = std::move(doc);
  metrics::config_loaded(true);
  log::info("pogo", "load complete");
  result.changed = true;
  return result;
}

void Runtime::replace_engine(const ServePlan& plan, std::unique_ptr<Instance>& next) {
  // The engine's ini is fixed while it runs: the old instance ends first (its sockets stay open,
  // held here), the engine restarts with the new settings, the new instance takes the sockets.
  log::info("pogo", "php_ini changed: restarting the PHP engine (new connections wait meanwhile)");
  server::ListenSockets held = current_->server() ? current_->server()->duplicate_listen_sockets()
                                                  : server::ListenSockets{};
  current_->stop(/*last_call=*/true);
  reap_retired(true);
  sapi::engine_stop();
  engine_running_ = false;
  auto restart = [&](const sapi::EngineOptions& e, Instance& inst) {
    sapi::engine_start(with_pogo_module(e));
    engine_running_ = true;
    engine_ = e;
    inst.start(&held);
  };
  try {
    restart(plan.engine, *next);
    current_ = std::move(next);
    server::close_listen_sockets(held);
  } catch (const std::exception& e) {
    std::string why = e.what();
    log::error("pogo", "new configuration failed to start; going back to the previous one", {{"error", why}});
    next.reset();
    if (engine_running_) sapi::engine_stop();
    engine_running_ = false;
    auto previous = std::make_unique<Instance>(plan_for(config_));
    restart(previous->plan().engine, *previous);
    current_ = std::move(previous);
    server::close_listen_sockets(held);
    metrics::config_loaded(false);
    throw admin::AdminError(400, "loading new config: " + why);
  }
}

void Runtime::reap_retired(bool all) {
  for (auto it = retiring_.begin(); it != retiring_.end();) {
    if (all || it->done->load()) {
      it->thread.join();
      it = retiring_.erase(it);
    } else {
      ++it;
    }
  }
}

// ---- admin::Control ------------------------------------------------------------------------

json Runtime::config() {
  std::lock_guard lock(mu_);
  return doc_;
}

admin::LoadResult Runtime::change(const std::function<json(const json&)>& edit, bool force) {
  std::lock_guard lock(mu_);
  json doc = edit(doc_);
  if (!force && doc == doc_) return {};
  cf::Config config;
  try {
    // apps.http and https are derived from the sites: an edit that left them alone gets them
    // derived again; one that changed them is refused by config_from_json (it says so). Even an
    // identical document is read again: worker paths through symlinks are resolved anew.
    auto derived = [](const json& d) {
      json out{{"https", d.value("https", json())}};
      if (d.contains("apps") && d["apps"].is_object()) out["http"] = d["apps"].value("http", json());
      return out;
    };
    if (derived(doc) == derived(doc_)) cf::strip_derived(doc);
    config = cf::config_from_json(doc);
  } catch (const std::exception& e) {
    metrics::config_loaded(false);
    throw admin::AdminError(400, std::string("loading new config: ") + e.what());
  }
  json normalized = cf::to_json(config);
  return load(std::move(config), std::move(normalized), force);
}

json Runtime::adapt(const std::string& caddyfile, std::vector<std::string>& warnings) {
  try {
    cf::Config config = cf::load_config_text(caddyfile, "Caddyfile");
    for (const cf::Warning& w : config.warnings) warnings.push_back(w.str());
    return cf::to_json(config);
  } catch (const std::exception& e) {
    throw admin::AdminError(400, std::string("adapting config using caddyfile: ") + e.what());
  }
}

void Runtime::stop() { stop_requested_ = true; }

void Runtime::restart_workers() {
  std::lock_guard lock(mu_);
  if (current_ && current_->backend()) current_->backend()->restart_workers();
  // Pogo's pools have no restart: their workers hold jobs that must not be cut off.
}

json Runtime::threads() {
  std::vector<sapi::ThreadDebugState> rows;
  unsigned reserved = 0;
  {
    std::lock_guard lock(mu_);
    if (current_ && current_->backend()) {
      rows = current_->backend()->debug_states();
      reserved = current_->backend()->reserved_threads();
    }
    if (current_ && current_->pools()) {
      std::vector<sapi::ThreadDebugState> pool_rows = current_->pools()->debug_states();
      rows.insert(rows.end(), std::make_move_iterator(pool_rows.begin()), std::make_move_iterator(pool_rows.end()));
    }
  }
  json states = json::array();
  unsigned index = 0;
  for (const sapi::ThreadDebugState& r : rows)
    states.push_back({{"Index", index++},
                      {"Name", r.name},
                      {"State", r.state},
                      {"IsWaiting", r.waiting},
                      {"IsBusy", !r.waiting},
                      {"WaitingSinceMilliseconds", r.waiting_since_ms},
                      {"CurrentURI", r.uri},
                      {"CurrentMethod", r.method},
                      {"RequestStartedAt", r.request_started_at_ms},
                      {"RequestCount", r.request_count},
                      {"MemoryUsage", r.memory_usage}});
  return json{{"ThreadDebugStates", states}, {"ReservedThreadCount", reserved}};
}

std::string Runtime::metrics() { return metrics::render(); }

}  // namespace pogo::cli
