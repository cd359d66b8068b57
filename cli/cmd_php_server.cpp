// pogo php-server: serve a directory with PHP, no Caddyfile needed.
#include <chrono>
#include <csignal>
#include <cstdio>
#include <string>
#include <thread>

#include "cli/commands.h"
#include "sapi/engine.h"
#include "sapi/php_backend.h"
#include "server/log.h"
#include "server/server.h"

namespace pogo::cli {

namespace {
int usage(const std::string& why) {
  std::fprintf(stderr, "pogo php-server: %s\nusage: pogo php-server [--listen ADDR] [--root DIR] [--access-log] [--debug]\n",
               why.c_str());
  return 2;
}
}  // namespace

int cmd_php_server(const Args& args) {
  server::ServerOptions opts;
  opts.listen = {":8080"};
  opts.root = ".";
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
    } else if (a == "--access-log" || a == "-a") {
      opts.access_log = true;
    } else if (a == "--debug" || a == "-v") {
      log::set_level(log::Level::Debug);
    } else {
      return usage("unknown option " + a);
    }
  }

  block_shutdown_signals();
  sapi::EngineOptions eng;
  try {
    sapi::engine_start(eng);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pogo: PHP engine failed to start: %s\n", e.what());
    return 1;
  }
  int rc = 0;
  {
    sapi::PhpBackend backend(eng.num_threads);
    server::Server srv(opts, &backend);
    try {
      srv.start();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "pogo: %s\n", e.what());
      rc = 1;
    }
    if (rc == 0) {
      int sig = wait_for_shutdown_signal();
      log::info("pogo", "shutting down", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
      srv.shutdown();
    }
    backend.stop();
  }
  sapi::engine_stop();
  return rc;
}

}  // namespace pogo::cli
