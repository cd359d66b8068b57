// pogo php-server: serve a directory with PHP, no Caddyfile needed.
//
// --watch[=PATTERN] (repeatable; FrankenPHP's flag): files whose changes restart the workers. As
// in FrankenPHP the patterns go to the first --worker; `--watch` alone is the default pattern
// ./**/*.{env,php,twig,yaml,yml}. `--watch PATTERN` (a separate argument not starting with '-')
// is taken as the pattern too, where FrankenPHP's flag parser would take the default.
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cli/commands.h"
#include "cli/serve.h"
#include "server/log.h"
#include "server/server.h"
#include "server/watch_pattern.h"

namespace pogo::cli {

namespace {
int usage(const std::string& why) {
  std::fprintf(stderr, "pogo php-server: %s\nusage: pogo php-server [--listen ADDR] [--root DIR] [--worker FILE[,N]]... [--watch[=PATTERN]]... [--access-log] [--no-hide-defaults] [--debug]\n",
               why.c_str());
  return 2;
}

// "FILE[,N]": N threads (0 or absent: the default, 2 x CPUs). The path is made absolute (from the
// current directory) and canonical, as routing makes script_filename, so requests find it.
bool parse_worker(const std::string& spec, sapi::WorkerConfig& out, std::string& error) {
  std::string file = spec;
  out.num = 0;
  if (size_t comma = spec.rfind(','); comma != std::string::npos) {
    file = spec.substr(0, comma);
    std::string n = spec.substr(comma + 1);
    if (n.empty() || n.find_first_not_of("0123456789") != std::string::npos || n.size() > 6) {
      error = "--worker " + spec + ": the thread count must be a number";
      return false;
    }
    out.num = unsigned(std::stoul(n));
  }
  std::error_code ec;
  std::filesystem::path p = std::filesystem::weakly_canonical(std::filesystem::absolute(file, ec), ec);
  if (ec || !std::filesystem::is_regular_file(p, ec)) {
    error = "worker file not found: " + (ec ? file : p.string());
    return false;
  }
  out.file = p.string();
  return true;
}
}  // namespace

int cmd_php_server(const Args& args) {
  server::ServerOptions opts;
  opts.listen = {":8080"};
  opts.root = ".";
  sapi::BackendOptions backend_opts;
  std::vector<std::string> watch;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const char* name) -> const std::string* {
      if (i + 1 >= args.size()) return nullptr;
      (void)name;
      return &args[++i];
    };
    if (a == "--listen" || a == "-l") {
      auto v = value("--listen");
      if (!v) return usage("--listen needs an address");
      opts.listen = {*v};
    } else if (a == "--root" || a == "-r") {
      auto v = value("--root");
      if (!v) return usage("--root needs a directory");
      opts.root = *v;
    } else if (a == "--worker" || a == "-w") {
      auto v = value("--worker");
      if (!v) return usage("--worker needs a file");
      sapi::WorkerConfig w;
      std::string error;
      if (!parse_worker(*v, w, error)) {
        std::fprintf(stderr, "pogo: %s\n", error.c_str());
        return 1;
      }
      backend_opts.workers.push_back(std::move(w));
    } else if (a == "--watch") {
      if (i + 1 < args.size() && !args[i + 1].empty() && args[i + 1][0] != '-') watch.push_back(args[++i]);
      else watch.push_back(server::kDefaultWatchPattern);
    } else if (a.rfind("--watch=", 0) == 0) {
      if (a.size() == 8) return usage("--watch= needs a pattern");
      watch.push_back(a.substr(8));
    } else if (a == "--access-log" || a == "-a") {
      opts.access_log = true;
    } else if (a == "--no-hide-defaults") {  // serve .env, .git/, *.php.bak, ... as Caddy would
      opts.hide_defaults = false;
    } else if (a == "--debug" || a == "-v") {
      log::set_level(log::Level::Debug);
    } else {
      return usage("unknown option " + a);
    }
  }

  if (!watch.empty()) {
    if (backend_opts.workers.empty()) log::warn("php-server", "--watch restarts workers; without --worker it has no effect");
    else backend_opts.workers.front().watch = std::move(watch);
  }

  ServePlan plan;
  plan.backend = std::move(backend_opts);
  plan.grace_period = opts.grace_period;
  plan.make_server = [&](server::Backend* backend) { return std::make_unique<server::Server>(opts, backend); };
  return serve(plan);
}

}  // namespace pogo::cli
