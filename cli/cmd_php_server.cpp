// pogo php-server: serve a directory with PHP, no Caddyfile needed. The flags become the
// configuration FrankenPHP's php-server builds (php_server_config.h), run by the Runtime exactly as
// `pogo run` runs a Caddyfile's.
//
// --watch[=PATTERN] (repeatable; FrankenPHP's flag): files whose changes restart the workers. As
// in FrankenPHP the patterns go to the first --worker; `--watch` alone is the default pattern
// ./**/*.{env,php,twig,yaml,yml}. `--watch PATTERN` (a separate argument not starting with '-')
// is taken as the pattern too, where FrankenPHP's flag parser would take the default.
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "caddyfile/error.h"
#include "cli/commands.h"
#include "cli/php_server_config.h"
#include "cli/runtime.h"
#include "server/log.h"
#include "server/watch_pattern.h"

namespace pogo::cli {

namespace {
int usage(const std::string& why) {
  std::fprintf(stderr,
               "pogo php-server: %s\nusage: pogo php-server [--listen ADDR] [--root DIR] [--domain NAME] "
               "[--worker FILE[,N]]... [--watch[=PATTERN]]... [--access-log] [--no-compress] [--no-hide-defaults] [--mercure] "
               "[--debug]\n",
               why.c_str());
  return 2;
}

// "FILE[,N]": N threads (0 or absent: the default, 2 x CPUs). The path is made absolute (from the
// current directory) and canonical, as routing makes script_filename, so requests find it.
bool parse_worker(const std::string& spec, PhpServerFlags::Worker& out, std::string& error) {
  std::string file = spec;
  out.num = 0;
  if (size_t comma = spec.rfind(','); comma != std::string::npos) {
    file = spec.substr(0, comma);
    std::string n = spec.substr(comma + 1);
    if (n.empty() || n.find_first_not_of("0123456789") != std::string::npos || n.size() > 6) {
      error = "--worker " + spec + ": the thread count must be a number";
      return false;
    }
    out.num = int(std::stoul(n));
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
  PhpServerFlags flags;
  bool http_redirect = false;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    // FrankenPHP's flags with a value also come as --name=value (--watch= is its own, below).
    std::optional<std::string> inline_value;
    if (size_t eq = a.find('='); a.starts_with("--") && eq != std::string::npos && !a.starts_with("--watch")) {
      inline_value = a.substr(eq + 1);
      a.resize(eq);
    }
    auto value = [&]() -> const std::string* {
      if (inline_value) return &*inline_value;
      return i + 1 < args.size() ? &args[++i] : nullptr;
    };
    if (a == "--listen" || a == "-l") {
      auto v = value();
      if (!v || v->empty()) return usage("--listen needs an address");
      flags.listen = *v;
    } else if (a == "--root" || a == "-r") {
      auto v = value();
      if (!v || v->empty()) return usage("--root needs a directory");
      flags.root = *v;
    } else if (a == "--domain" || a == "-d") {
      auto v = value();
      if (!v || v->empty()) return usage("--domain needs a name");
      flags.domain = *v;
    } else if (a == "--worker" || a == "-w") {
      auto v = value();
      if (!v) return usage("--worker needs a file");
      PhpServerFlags::Worker w;
      std::string error;
      if (!parse_worker(*v, w, error)) {
        std::fprintf(stderr, "pogo: %s\n", error.c_str());
        return 1;
      }
      flags.workers.push_back(std::move(w));
    } else if (inline_value) {
      return usage("unknown option " + args[i]);
    } else if (a == "--watch") {
      if (i + 1 < args.size() && !args[i + 1].empty() && args[i + 1][0] != '-') flags.watch.push_back(args[++i]);
      else flags.watch.push_back(server::kDefaultWatchPattern);
    } else if (a.rfind("--watch=", 0) == 0) {
      if (a.size() == 8) return usage("--watch= needs a pattern");
      flags.watch.push_back(a.substr(8));
    } else if (a == "--access-log" || a == "-a") {
      flags.access_log = true;
    } else if (a == "--no-compress") {
      flags.compress = false;
    } else if (a == "--no-hide-defaults") {  // serve .env, .git/, *.php.bak, ... as Caddy would
      flags.hide_defaults = false;
    } else if (a == "--debug" || a == "-v") {
      flags.debug = true;
    } else if (a == "--http-redirect") {
      http_redirect = true;
    } else if (a == "--mercure" || a == "-m") {
      flags.mercure = true;
    } else {
      return usage("unknown option " + a);
    }
  }
  // With --domain the site is HTTPS and automatic HTTPS redirects HTTP to it, as Caddy does: the
  // flag (Octane's name for it) asks for what happens anyway. Without a domain there is no HTTPS.
  if (http_redirect && flags.domain.empty()) {
    std::fprintf(stderr, "pogo php-server: --http-redirect needs --domain (without it nothing is served over HTTPS)\n");
    return 1;
  }

  std::error_code ec;
  if (!std::filesystem::is_directory(flags.root, ec)) {
    std::fprintf(stderr, "pogo: root directory %s does not exist\n", flags.root.c_str());
    return 1;
  }
  if (!flags.watch.empty() && flags.workers.empty())
    log::warn("php-server", "--watch restarts workers; without --worker it has no effect");

  try {
    caddyfile::Config config = php_server_config(flags);
    Runtime runtime("", false);
    return runtime.run(std::move(config));
  } catch (const caddyfile::Error& e) {
    std::fprintf(stderr, "pogo %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pogo php-server: %s\n", e.what());
    return 1;
  }
}

}  // namespace pogo::cli
