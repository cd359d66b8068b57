// `pogo reload`, `pogo stop` and `pogo health`: clients of a running pogo's admin API, as
// `caddy reload` and `caddy stop` are. The address is --address, else the `admin` option of the
// Caddyfile given with --config (or ./Caddyfile when it exists; reload: always a Caddyfile), else
// $CADDY_ADMIN, else localhost:2019.
// reload adapts the Caddyfile here (its errors are `file:line`, before anything is sent) and
// POSTs the JSON to /load; --force reloads even an unchanged configuration.
// health GETs /metrics (liveness; --ready: /ready, readiness) and exits 0 on a 2xx: the image's
// HEALTHCHECK, which needs no curl in the image.
//
// Threads: main thread only.
#include <curl/curl.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "caddyfile/config_json.h"
#include "caddyfile/error.h"
#include "caddyfile/load.h"
#include "cli/commands.h"
#include "cli/run_plan.h"

namespace pogo::cli {

namespace {

namespace cf = caddyfile;

struct AdminArgs {
  std::string config;
  std::string address;
  bool force = false;
  std::string path = "/metrics";  // health
  long timeout_ms = 5000;          // health
};

struct AdminCall {
  std::string method = "POST";
  std::string path;
  std::string body;
  bool force = false;
  long timeout_ms = 0;  // 0: none
};

size_t collect(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

// Sends `call` to the admin API at `address`. Returns the exit code, printing what failed.
int send(const std::string& command, const std::string& address, const AdminCall& call) {
  const std::string& path = call.path;
  std::string url;
  CURL* curl = curl_easy_init();
  if (!curl) {
    std::fprintf(stderr, "pogo %s: cannot initialise libcurl\n", command.c_str());
    return 1;
  }
  if (address.rfind("unix/", 0) == 0) {
    curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, address.substr(5).c_str());
    url = "http://127.0.0.1" + path;
  } else {
    std::string a = address;
    if (!a.empty() && a[0] == ':') a = "localhost" + a;  // all interfaces: this machine's
    url = "http://" + a + path;
  }
  std::string response;
  curl_slist* headers = nullptr;
  if (call.method == "POST") {
    headers = curl_slist_append(headers, "Content-Type: application/json");
    if (call.force) headers = curl_slist_append(headers, "Cache-Control: must-revalidate");
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, call.body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(call.body.size()));
  }
  if (call.timeout_ms > 0) curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, call.timeout_ms);
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK) {
    std::fprintf(stderr, "pogo %s: performing request to %s: %s (is pogo running with its admin API there?)\n",
                 command.c_str(), url.c_str(), curl_easy_strerror(rc));
    return 1;
  }
  if (status >= 400) {
    std::string message = response;
    try {
      auto j = nlohmann::json::parse(response);
      if (j.is_object() && j.contains("error")) message = j["error"].get<std::string>();
    } catch (...) {
    }
    while (!message.empty() && message.back() == '\n') message.pop_back();
    std::fprintf(stderr, "pogo %s: pogo responded with error: HTTP %ld: %s\n", command.c_str(), status, message.c_str());
    return 1;
  }
  return 0;
}

bool exists(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0;
}

int parse_args(const std::string& command, const Args& args, AdminArgs& out) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> const std::string* { return i + 1 < args.size() ? &args[++i] : nullptr; };
    if (a == "--config" || a == "-c") {
      auto v = value();
      if (!v) return 2;
      out.config = *v;
    } else if (a == "--address") {
      auto v = value();
      if (!v) return 2;
      out.address = *v;
    } else if (a == "--adapter") {
      auto v = value();
      if (!v || *v != "caddyfile") return 2;
    } else if (command == "reload" && a == "--force") {
      out.force = true;
    } else if (command == "health" && a == "--ready") {
      out.path = "/ready";
    } else if (command == "health" && a == "--timeout") {
      auto v = value();
      if (!v) return 2;
      char* end = nullptr;
      double seconds = std::strtod(v->c_str(), &end);
      if (end == v->c_str() || *end != '\0' || !(seconds > 0)) {
        std::fprintf(stderr, "pogo health: --timeout takes a number of seconds, not \"%s\"\n", v->c_str());
        return 2;
      }
      out.timeout_ms = long(seconds * 1000);
    } else {
      std::fprintf(stderr, "pogo %s: unknown option %s\n", command.c_str(), a.c_str());
      return 2;
    }
  }
  return 0;
}

}  // namespace

int cmd_reload(const Args& args) {
  AdminArgs a;
  if (int rc = parse_args("reload", args, a); rc != 0) {
    std::fprintf(stderr, "usage: pogo reload [--config Caddyfile] [--address ADDR] [--force]\n");
    return rc;
  }
  if (a.config.empty()) a.config = "Caddyfile";
  try {
    cf::Config config = cf::load_config(a.config);
    std::string address = a.address.empty() ? admin_address(&config) : a.address;
    if (address.empty()) {
      std::fprintf(stderr, "pogo reload: %s turns the admin API off: nothing to send the configuration to\n",
                   a.config.c_str());
      return 1;
    }
    std::string body = cf::to_json(config).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return send("reload", address, AdminCall{"POST", "/load", body, a.force});
  } catch (const cf::Error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}

// The admin address for stop and health (see the top of the file); false, with the error
// printed, when the Caddyfile cannot be read.
static bool resolve_address(const AdminArgs& a, std::string& address) {
  address = a.address;
  if (address.empty()) {
    std::string file = a.config.empty() && exists("Caddyfile") ? "Caddyfile" : a.config;
    try {
      if (!file.empty()) {
        cf::Config config = cf::load_config(file);
        address = admin_address(&config);
      }
    } catch (const cf::Error& e) {
      std::fprintf(stderr, "%s\n", e.what());
      return false;
    }
    if (address.empty()) address = admin_address(nullptr);
  }
  return true;
}

int cmd_stop(const Args& args) {
  AdminArgs a;
  if (int rc = parse_args("stop", args, a); rc != 0) {
    std::fprintf(stderr, "usage: pogo stop [--config Caddyfile] [--address ADDR]\n");
    return rc;
  }
  std::string address;
  if (!resolve_address(a, address)) return 1;
  return send("stop", address, AdminCall{"POST", "/stop", "", false});
}

int cmd_health(const Args& args) {
  AdminArgs a;
  if (int rc = parse_args("health", args, a); rc != 0) {
    std::fprintf(stderr, "usage: pogo health [--config Caddyfile] [--address ADDR] [--ready] [--timeout SECONDS]\n");
    return rc;
  }
  std::string address;
  if (!resolve_address(a, address)) return 1;
  AdminCall call;
  call.method = "GET";
  call.path = a.path;
  call.timeout_ms = a.timeout_ms;
  int rc = send("health", address, call);
  if (rc == 0) std::printf("pogo health: %s%s answered 200\n", address.c_str(), a.path.c_str());
  return rc;
}

}  // namespace pogo::cli
