#include "cli/run_plan.h"

#include "mercure/endpoint.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <set>

#include "caddyfile/error.h"
#include "caddyfile/log_json.h"
#include "cli/https.h"
#include "pogo/config.h"
#include "server/access_log.h"
#include "server/ip_range.h"
#include "server/log.h"
#include "server/log_filter.h"
#include "server/log_output.h"
#include "server/rolling_file.h"
#include "server/routes/build.h"

namespace pogo::cli {

namespace cf = caddyfile;

namespace {

[[noreturn]] void fail(const cf::Location& at, const std::string& message) { cf::fail_at(at.file, at.line, message); }

std::chrono::milliseconds ms(cf::Duration d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d); }

}  // namespace

// The global `log` and `debug` options.
void apply_logging(const cf::GlobalOptions& g) {
  for (const cf::LogConfig& l : g.logs) {
    if (!l.name.empty() && l.name != "default")
      fail(l.where, "log " + l.name + ": named global loggers are not supported by Pogo; configure the default logger");
    if (!l.include.empty() || !l.exclude.empty()) fail(l.where, "log include/exclude are not supported by Pogo");
    std::string format = l.format == "filter" ? l.wrap : l.format;
    if (format == "json") log::set_json(true);
    else if (format == "console") log::set_json(false);
    log::set_filters(l.format == "filter" ? std::make_shared<const server::LogFilters>(l.filters) : nullptr);
    if (l.level == "DEBUG" || l.level == "debug") log::set_level(log::Level::Debug);
    else if (l.level == "WARN" || l.level == "warn") log::set_level(log::Level::Warn);
    else if (l.level == "ERROR" || l.level == "error" || l.level == "PANIC" || l.level == "FATAL")
      log::set_level(log::Level::Error);
    if (l.output == "stdout") log::set_output(STDOUT_FILENO);
    else if (l.output == "discard") log::set_output(-1);
    else if (l.output == "stderr") log::set_output(STDERR_FILENO);
    if (l.output != "file") {
      log::set_output_file(nullptr);
      continue;
    }
    // A load that keeps the same file and options keeps the same RollingFile (and its size count).
    static std::shared_ptr<server::RollingFile> current;
    static std::pair<std::string, std::string> current_key;
    std::pair<std::string, std::string> key{l.file, cf::log_to_json(l)["writer"].dump()};
    if (!current || key != current_key) {
      try {
        current = std::make_shared<server::RollingFile>(l.file, server::rolling_options(l.roll));
      } catch (const std::exception& e) {
        fail(l.where, e.what());
      }
      current_key = key;
    }
    log::set_output_file(current);
  }
  if (g.debug) log::set_level(log::Level::Debug);
}

namespace {

server::ServerOptions server_options(const cf::GlobalOptions& g) {
  server::ServerOptions o;
  if (g.grace_period) o.grace_period = ms(*g.grace_period);
  o.metrics = g.metrics;
  for (const cf::ServerOptions& s : g.servers) {
    if (!s.listener.empty())
      fail(s.where, "servers " + s.listener + ": options for one listener are not supported by Pogo; use servers { } for all");
    o.metrics = o.metrics || s.metrics;  // the legacy `servers { metrics }`
    if (!s.name.empty()) o.name = s.name;
    if (!s.protocols.empty()) {
      // As Caddy: only what is listed (h3 was a warning already: Pogo has no HTTP/3).
      o.h1 = o.h2 = o.h2c = false;
      for (const auto& p : s.protocols) {
        o.h1 = o.h1 || p == "h1";
        o.h2 = o.h2 || p == "h2";
        o.h2c = o.h2c || p == "h2c";
      }
      if (!o.h1 && !o.h2 && !o.h2c) fail(s.where, "servers protocols: none of h1, h2, h2c is listed: nothing could be served");
    }
    if (s.read_body) o.read_body_timeout = ms(*s.read_body);
    if (s.read_header) o.read_header_timeout = ms(*s.read_header);
    if (s.write) o.write_timeout = ms(*s.write);
    if (s.idle) o.idle_timeout = ms(*s.idle);
    if (s.max_header_size) o.max_header_size = size_t(*s.max_header_size);
    if (!s.trusted_proxies.empty()) {
      try {
        o.client_ip.trusted = server::ip_ranges("trusted_proxies", s.trusted_proxies);
      } catch (const std::exception& e) {
        fail(s.where, std::string("servers ") + e.what());
      }
    }
    if (!s.client_ip_headers.empty()) o.client_ip.headers = s.client_ip_headers;
    o.client_ip.strict = s.trusted_proxies_strict;
    o.log_credentials = s.log_credentials;
  }
  return o;
}

// The PHP engine's options from `frankenphp { }`.
sapi::EngineOptions engine_options(const cf::FrankenPhpOptions& f) {
  sapi::EngineOptions e;
  e.num_threads = unsigned(f.num_threads);
  e.ini = f.php_ini;
  return e;
}

sapi::WorkerConfig worker_config(const cf::PhpWorker& w, const cf::KeyValues& site_env, bool scoped) {
  sapi::WorkerConfig c;
  c.file = w.path;
  c.scoped = scoped;
  c.num = unsigned(w.num);
  c.env = site_env;
  c.env.insert(c.env.end(), w.env.begin(), w.env.end());
  c.name = w.name;
  if (w.max_consecutive_failures > 0) c.max_consecutive_failures = unsigned(w.max_consecutive_failures);
  c.match = w.match;
  if (w.max_threads > 0 && w.num > 0 && w.max_threads < w.num)
    fail(w.where, "worker max_threads (" + std::to_string(w.max_threads) + ") must be greater than or equal to its num (" +
                      std::to_string(w.num) + ")");
  c.max_threads = w.max_threads > 0 ? unsigned(w.max_threads) : 0;
  c.watch = w.watch;
  return c;
}

// A worker's file as FrankenPHP keeps it: symbolic links resolved (its requests are recognised by
// SCRIPT_FILENAME, which a symlinked root resolves too), and its name as FrankenPHP's
// createUniqueWorkerName gives it: its own, else that file; a name already taken is first
// qualified with the site's name ("host:name", or ":port:name" for a site without a host), then
// numbered ("name_1", ...). A php_server block finds its workers by these names.
void settle_worker(cf::PhpWorker& w, std::string site_name, std::set<std::string>& names) {
  std::error_code ec;
  std::filesystem::path real = std::filesystem::weakly_canonical(w.path, ec);
  if (!ec) w.path = real.string();
  const std::string base = w.name.empty() ? w.path : w.name;
  std::string name = base;
  for (int n = 1; !names.insert(name).second;) {
    if (!site_name.empty()) {
      name = site_name + ":" + base;
      site_name.clear();
    } else {
      name = base + "_" + std::to_string(n++);
    }
  }
  w.name = name;
}

void settle_site_workers(std::vector<cf::Handler>& handlers, const std::string& site_name, std::set<std::string>& names) {
  for (cf::Handler& h : handlers) {
    if (auto* php = std::get_if<cf::PhpSpec>(&h.spec))
      for (cf::PhpWorker& w : php->workers) settle_worker(w, site_name, names);
    if (auto* sub = std::get_if<cf::SubrouteSpec>(&h.spec)) settle_site_workers(sub->handlers, site_name, names);
  }
}

cf::Config with_settled_workers(cf::Config config) {
  std::set<std::string> names;
  for (cf::PhpWorker& w : config.global.frankenphp.workers) settle_worker(w, "", names);
  for (cf::Site& s : config.sites) {
    std::string site_name;
    if (!s.addresses.empty())
      site_name = s.addresses.front().host.empty() ? ":" + std::to_string(s.addresses.front().port)
                                                   : s.addresses.front().host;
    settle_site_workers(s.handlers, site_name, names);
  }
  return config;
}

// Workers declared inside php_server / php blocks, at any depth of the handler tree.
void collect_site_workers(const std::vector<cf::Handler>& handlers, std::vector<sapi::WorkerConfig>& out) {
  for (const cf::Handler& h : handlers) {
    if (const auto* php = std::get_if<cf::PhpSpec>(&h.spec))
      for (const cf::PhpWorker& w : php->workers) out.push_back(worker_config(w, php->env, true));
    if (const auto* sub = std::get_if<cf::SubrouteSpec>(&h.spec)) collect_site_workers(sub->handlers, out);
  }
}

// The PHP backend's options: `frankenphp { }` scheduling and every worker of the configuration.
sapi::BackendOptions backend_options(const cf::Config& config) {
  const cf::FrankenPhpOptions& f = config.global.frankenphp;
  sapi::BackendOptions b;
  if (f.max_threads < 0) b.max_threads = sapi::BackendOptions::kAutoMaxThreads;
  else b.max_threads = unsigned(f.max_threads);
  if (f.max_wait_time) b.max_wait_time = ms(*f.max_wait_time);
  if (f.max_idle_time) {
    if (ms(*f.max_idle_time).count() <= 0) fail(f.where, "frankenphp max_idle_time must be at least 1ms");
    b.max_idle_time = ms(*f.max_idle_time);
  }
  b.max_requests = unsigned(f.max_requests);
  for (const cf::PhpWorker& w : f.workers) b.workers.push_back(worker_config(w, {}, false));
  for (const cf::Site& s : config.sites) collect_site_workers(s.handlers, b.workers);
  for (auto& w : b.workers) {
    w.max_requests = b.max_requests;
    if (w.max_threads > 0 && b.max_threads == 0)
      log::warn("pogo", "worker max_threads: the worker cannot grow unless frankenphp max_threads is set",
                {{"worker", sapi::worker_display_name(w)}});
  }
  return b;
}

}  // namespace

ServePlan plan_for(const cf::Config& written) {
  const cf::Config config = with_settled_workers(written);
  server::ServerOptions opts = server_options(config.global);
  if (config.sites.empty()) fail({config.source, 1}, "no site to serve: the Caddyfile has no site block");
  // Every configuration error surfaces before anything starts.
  server::build_routes(config, nullptr, [](const cf::MercureSpec& spec) -> server::Backend* {
    mercure::hub_options(spec);  // the keys parse: an error names the block's line
    return nullptr;
  });

  ServePlan plan;
  plan.php = server::config_uses_php(config) || config.global.frankenphp.present || config.global.pogo.present;
  plan.engine = engine_options(config.global.frankenphp);
  plan.backend = backend_options(config);
  if (config.global.pogo.present) plan.pools = jobs::pool_configs(config.global.pogo);
  if (config.global.shutdown_delay) plan.shutdown_delay = ms(*config.global.shutdown_delay);
  plan.grace_period = opts.grace_period;
  // What the server needs for as long as it runs: the routes its sites point into, the TLS
  // contexts and certificate renewal (HttpsRuntime outlives the server: the plan holds it).
  struct Kept {
    cf::Config config;
    std::vector<std::unique_ptr<mercure::HubEndpoint>> hubs;  // before routes: they point to them
    server::BuiltRoutes routes;
    std::unique_ptr<HttpsRuntime> https;
  };
  auto kept = std::make_shared<Kept>();
  kept->config = config;
  plan.make_server = [kept, opts](server::Backend* backend) {
    kept->hubs.clear();
    auto hubs = [&kept](const cf::MercureSpec& spec) -> server::Backend* {
      kept->hubs.push_back(std::make_unique<mercure::HubEndpoint>(mercure::acquire_hub(spec)));
      return kept->hubs.back().get();
    };
    kept->routes = server::build_routes(kept->config, backend, hubs);
    // mercure_publish() reaches the first hub of the configuration now starting.
    mercure::set_publish_hub(kept->hubs.empty() ? nullptr : kept->hubs.front()->hub());
    for (auto& l : kept->routes.listeners) {
      l.h1 = opts.h1;
      l.h2 = opts.h2;
      l.h2c = opts.h2c;
    }
    kept->https = std::make_unique<HttpsRuntime>(kept->config, kept->routes.listeners);
    return std::make_unique<server::Server>(opts, kept->routes.listeners);
  };
  plan.before_shutdown = [kept] {
    for (auto& hub : kept->hubs) hub->close();
  };
  return plan;
}

std::string admin_address(const cf::Config* config) {
  if (config && config->global.admin == "off") return "";
  if (config && !config->global.admin.empty()) return config->global.admin;
  const char* env = std::getenv("CADDY_ADMIN");
  return env && *env ? env : "localhost:2019";
}

}  // namespace pogo::cli
