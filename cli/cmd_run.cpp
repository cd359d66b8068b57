// pogo run: serve what a Caddyfile says. Loads the configuration (after --envfile) and hands it
// to the Runtime (runtime.h), which serves it, answers the admin API and reloads, until
// SIGTERM/SIGINT or POST /stop. Whatever the configuration asks for that Pogo cannot honour is
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
#include "cli/runtime.h"
#include "server/log.h"

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
    cf::Config config = cf::load_config(ra.config);
    Runtime runtime(ra.config, ra.watch);
    return runtime.run(std::move(config));
  } catch (const cf::Error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pogo run: %s\n", e.what());
    return 1;
  }
}

}  // namespace pogo::cli
