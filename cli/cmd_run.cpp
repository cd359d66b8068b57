// pogo run: serve what a Caddyfile says. Loads the configuration (after --envfile), applies the
// global options (logging, timeouts, grace period, the PHP engine's threads and ini), builds the
// listeners and their sites (server/routes/build.h), starts the PHP engine when a site needs it,
// and serves until SIGTERM/SIGINT. Whatever the configuration asks for that Pogo cannot honour is
// a `file:line: message` on stderr and exit code 1.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>

#include "caddyfile/error.h"
#include "caddyfile/load.h"
#include "cli/commands.h"
#include "cli/serve.h"
#include "pogo/config.h"
#include "server/log.h"
#include "server/routes/build.h"
#include "cli/https.h"
#include "server/server.h"

namespace pogo::cli {

namespace {

namespace cf = caddyfile;

struct RunArgs {
  std::string config = "Caddyfile";
  std::string envfile;
  bool watch = false;
};

int usage(const std::string& why) {
  std::fprintf(stderr, "pogo run: %s\nusage: pogo run [--config Caddyfile] [--envfile FILE] [--watch]\n", why.c_str());
  return 2;
}

[[noreturn]] void fail(const cf::Location& at, const std::string& message) { cf::fail_at(at.file, at.line, message); }

// KEY=VALUE lines ("export " and surrounding quotes allowed, # comments); variables already in
// the environment win, as with Caddy's --envfile.
void load_envfile(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("envfile " + path + ": " + std::strerror(errno));
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t b = line.find_first_not_of(" \t");
    if (b == std::string::npos || line[b] == '#') continue;
    line = line.substr(b);
    if (line.rfind("export ", 0) == 0) line = line.substr(7);
    size_t eq = line.find('=');
    if (eq == std::string::npos || eq == 0)
      throw std::runtime_error(path + ":" + std::to_string(n) + ": expected KEY=VALUE");
    std::string key = line.substr(0, eq), value = line.substr(eq + 1);
    while (!key.empty() && (key.back() == ' ' || key.back() == '\t')) key.pop_back();
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front())
      value = value.substr(1, value.size() - 2);
    ::setenv(key.c_str(), value.c_str(), 0);
  }
}

std::chrono::milliseconds ms(cf::Duration d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d); }

// The global `log` and `debug` options.
void apply_logging(const cf::GlobalOptions& g) {
  for (const cf::LogConfig& l : g.logs) {
    if (!l.name.empty() && l.name != "default")
      fail(l.where, "log " + l.name + ": named global loggers are not supported by Pogo; configure the default logger");
    if (!l.include.empty() || !l.exclude.empty()) fail(l.where, "log include/exclude are not supported by Pogo");
    if (l.format == "json") log::set_json(true);
    else if (l.format == "console") log::set_json(false);
    if (l.level == "DEBUG" || l.level == "debug") log::set_level(log::Level::Debug);
    else if (l.level == "WARN" || l.level == "warn") log::set_level(log::Level::Warn);
    else if (l.level == "ERROR" || l.level == "error" || l.level == "PANIC" || l.level == "FATAL")
      log::set_level(log::Level::Error);
    if (l.output == "stdout") log::set_output(STDOUT_FILENO);
    else if (l.output == "discard") log::set_output(-1);
    else if (l.output == "file") {
      int fd = ::open(l.file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
      if (fd < 0) fail(l.where, "log output file " + l.file + ": " + std::strerror(errno));
      log::set_output(fd);  // open for the life of the process
    }
  }
  if (g.debug) log::set_level(log::Level::Debug);
}

server::ServerOptions server_options(const cf::GlobalOptions& g) {
  server::ServerOptions o;
  if (g.grace_period) o.grace_period = ms(*g.grace_period);
  o.metrics = g.metrics;
  for (const cf::ServerOptions& s : g.servers) {
    o.metrics = o.metrics || s.metrics;  // the legacy `servers { metrics }`
    if (!s.name.empty()) o.name = s.name;
    if (!s.listener.empty())
      fail(s.where, "servers " + s.listener + ": options for one listener are not supported by Pogo; use servers { } for all");
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

sapi::WorkerConfig worker_config(const cf::PhpWorker& w, const cf::KeyValues& site_env) {
  sapi::WorkerConfig c;
  c.file = w.path;
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
  if (!w.watch.empty()) log::warn("pogo", "worker watch: file watching is not supported yet", {{"worker", w.file}});
  return c;
}

// Workers declared inside php_server / php blocks, at any depth of the handler tree.
void collect_site_workers(const std::vector<cf::Handler>& handlers, std::vector<sapi::WorkerConfig>& out) {
  for (const cf::Handler& h : handlers) {
    if (const auto* php = std::get_if<cf::PhpSpec>(&h.spec))
      for (const cf::PhpWorker& w : php->workers) out.push_back(worker_config(w, php->env));
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
  for (const cf::PhpWorker& w : f.workers) b.workers.push_back(worker_config(w, {}));
  for (const cf::Site& s : config.sites) collect_site_workers(s.handlers, b.workers);
  for (auto& w : b.workers) {
    w.max_requests = b.max_requests;
    if (w.max_threads > 0 && b.max_threads == 0)
      log::warn("pogo", "worker max_threads: the worker cannot grow unless frankenphp max_threads is set",
                {{"worker", sapi::worker_display_name(w)}});
  }
  return b;
}

int serve_config(const cf::Config& config) {
  apply_logging(config.global);
  for (const cf::Warning& w : config.warnings) log::warn("caddyfile", w.str());
  if (config.global.admin != "off")
    log::debug("admin", "the admin API is not served by Pogo", {{"address", config.global.admin}});
  server::ServerOptions opts = server_options(config.global);
  if (config.sites.empty()) fail({config.source, 1}, "no site to serve: the Caddyfile has no site block");
  // Every configuration error surfaces before the engine starts.
  server::build_routes(config, nullptr);

  ServePlan plan;
  plan.php = server::config_uses_php(config) || config.global.frankenphp.present || config.global.pogo.present;
  plan.engine = engine_options(config.global.frankenphp);
  plan.backend = backend_options(config);
  if (config.global.pogo.present) plan.pools = jobs::pool_configs(config.global.pogo);
  if (config.global.shutdown_delay) plan.shutdown_delay = ms(*config.global.shutdown_delay);
  plan.grace_period = opts.grace_period;
  server::BuiltRoutes routes;
  std::unique_ptr<HttpsRuntime> https;  // outlives the server: its TLS contexts and certificates
  plan.make_server = [&](server::Backend* backend) {
    routes = server::build_routes(config, backend);
    for (auto& l : routes.listeners) {
      l.h1 = opts.h1;
      l.h2 = opts.h2;
      l.h2c = opts.h2c;
    }
    https = std::make_unique<HttpsRuntime>(config, routes.listeners);
    return std::make_unique<server::Server>(opts, routes.listeners);
  };
  return serve(plan);
}

}  // namespace

int cmd_run(const Args& args) {
  RunArgs ra;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> const std::string* { return i + 1 < args.size() ? &args[++i] : nullptr; };
    if (a == "--config" || a == "-c") {
      auto v = value();
      if (!v) return usage("--config needs a file");
      ra.config = *v;
    } else if (a.rfind("--config=", 0) == 0) {
      ra.config = a.substr(9);
    } else if (a == "--envfile") {
      auto v = value();
      if (!v) return usage("--envfile needs a file");
      ra.envfile = *v;
    } else if (a.rfind("--envfile=", 0) == 0) {
      ra.envfile = a.substr(10);
    } else if (a == "--adapter") {
      auto v = value();
      if (!v || *v != "caddyfile") return usage("only the caddyfile adapter is supported");
    } else if (a == "--watch" || a == "-w") {
      ra.watch = true;
    } else {
      return usage("unknown option " + a);
    }
  }
  try {
    if (!ra.envfile.empty()) load_envfile(ra.envfile);
    if (ra.watch) log::warn("pogo", "--watch is not supported yet; the configuration is read once");
    cf::Config config = cf::load_config(ra.config);
    return serve_config(config);
  } catch (const cf::Error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pogo run: %s\n", e.what());
    return 1;
  }
}

}  // namespace pogo::cli
