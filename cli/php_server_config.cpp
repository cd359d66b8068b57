#include <cstdlib>
#include "cli/php_server_config.h"

#include <cctype>
#include <filesystem>

#include "caddyfile/directive_order.h"
#include "caddyfile/error.h"
#include "caddyfile/global_options.h"
#include "caddyfile/load.h"
#include "server/listener.h"
#include "server/startup_error.h"

namespace pogo::cli {

namespace cf = caddyfile;

namespace {

// Errors name the flag, as a Caddyfile error names its line.
const cf::Location kAt{"php-server", 0};

[[noreturn]] void fail(const std::string& message) { cf::fail_at(kAt.file, kAt.line, message); }

}  // namespace

cf::Config php_server_config(const PhpServerFlags& flags) {
  cf::Config config;
  config.source = "php-server";
  cf::GlobalOptions& g = config.global;
  g.directive_order = cf::default_directive_order();
  g.admin = "off";  // as FrankenPHP's php-server: no admin endpoint
  g.debug = flags.debug;
  // FrankenPHP's php-server sets these on its server: 10 s to read the headers, 30 s idle. Its
  // third, 16 KiB of headers at most, is not taken: Pogo's php-server always accepted Caddy's
  // default (1 MiB), and requests with large cookies or tokens that worked must keep working.
  cf::ServerOptions limits;
  limits.read_header = std::chrono::seconds(10);
  limits.idle = std::chrono::seconds(30);
  limits.where = kAt;
  g.servers.push_back(limits);

  if (!flags.workers.empty()) {
    g.frankenphp.present = true;
    g.frankenphp.where = kAt;
    for (const PhpServerFlags::Worker& w : flags.workers) {
      cf::PhpWorker pw;
      pw.file = w.file;
      pw.path = w.file;
      pw.num = w.num;
      pw.where = kAt;
      g.frankenphp.workers.push_back(std::move(pw));
    }
    g.frankenphp.workers.front().watch = flags.watch;
    if (auto problem = cf::check_frankenphp(g.frankenphp)) fail("--worker: " + problem->message);
  }

  // The listen address: FrankenPHP's --listen, else :8080 (:443 with a domain, as FrankenPHP).
  std::string listen = flags.listen.empty() ? (flags.domain.empty() ? ":8080" : ":443") : flags.listen;
  server::ListenAddress la;
  try {
    la = server::parse_listen_address(listen);
  } catch (const server::StartupError& e) {
    fail(std::string("--listen: ") + e.what());
  }
  if (!la.unix_path.empty()) fail("--listen " + listen + ": a unix socket is not supported by php-server; use a Caddyfile");

  cf::Site site;
  site.where = kAt;
  cf::Address a;
  a.where = kAt;
  a.port = la.port;  // 0: an ephemeral port
  if (flags.domain.empty()) {
    // Any host, over HTTP: FrankenPHP's route has no host matcher then.
    a.scheme = "http";
    a.original = "http://:" + std::to_string(la.port);
  } else {
    // The domain's host matcher; Caddy's automatic HTTPS gets it a certificate (and redirects
    // HTTP to HTTPS) unless the listen port is the HTTP port.
    a.host = flags.domain;
    for (char& c : a.host) c = char(std::tolower(static_cast<unsigned char>(c)));
    a.scheme = la.port == g.http_port ? "http" : "https";
    a.original = flags.domain + ":" + std::to_string(la.port);
  }
  site.addresses.push_back(a);
  if (!la.host.empty()) site.bind = {la.host};
  if (flags.access_log) {
    cf::LogConfig log;
    log.where = kAt;
    site.logs.push_back(log);
  }
  if (flags.compress) {
    cf::Handler h;
    h.directive = "encode";
    h.where = kAt;
    cf::EncodeSpec e;
    e.formats = {"zstd", "br", "gzip"};
    h.spec = e;
    site.handlers.push_back(std::move(h));
  }
  if (flags.mercure) {
    // FrankenPHP's --mercure: both keys from the environment, required.
    for (const char* var : {"MERCURE_PUBLISHER_JWT_KEY", "MERCURE_SUBSCRIBER_JWT_KEY"}) {
      const char* v = std::getenv(var);
      if (!v || !*v) fail(std::string("--mercure: the ") + var + " environment variable must be set");
    }
    cf::Handler h;
    h.directive = "mercure";
    h.where = kAt;
    cf::MercureSpec m;
    m.publisher_key = "{env.MERCURE_PUBLISHER_JWT_KEY}";
    m.publisher_alg = "{env.MERCURE_PUBLISHER_JWT_ALG}";
    m.subscriber_key = "{env.MERCURE_SUBSCRIBER_JWT_KEY}";
    m.subscriber_alg = "{env.MERCURE_SUBSCRIBER_JWT_ALG}";
    h.spec = m;
    site.handlers.push_back(std::move(h));
  }
  cf::Handler php;
  php.directive = "php_server";
  php.where = kAt;
  cf::PhpSpec spec;
  spec.root = std::filesystem::absolute(flags.root).lexically_normal().string();
  if (spec.root.size() > 1 && spec.root.back() == '/') spec.root.pop_back();
  spec.hide_defaults = flags.hide_defaults;
  php.spec = spec;
  site.handlers.push_back(std::move(php));
  config.sites.push_back(std::move(site));
  cf::validate_config(config);
  return config;
}

}  // namespace pogo::cli
