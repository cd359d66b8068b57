// The options of one HTTP server (what a configuration's global options produce; what it serves
// is in its listeners' sites).
// Plain data, copied into the Server at construction.
// Threads: filled on the main thread; read-only afterwards, on any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "server/client_ip.h"

namespace pogo::server {

struct ServerOptions {
  unsigned loops = 0;                  // 0 = number of CPUs
  size_t max_header_size = 1 << 20;
  std::optional<uint64_t> max_body_size;
  std::chrono::milliseconds read_header_timeout{10000}, read_body_timeout{0}, write_timeout{0},
      idle_timeout{300000};  // 0 = none
  // Inactivity limits (0 = none): no request body byte received, or no response byte accepted by
  // a client with output waiting, for this long closes the connection. A slow but moving upload
  // or download is never cut off.
  std::chrono::milliseconds body_idle_timeout{60000}, write_idle_timeout{60000};
  std::chrono::milliseconds grace_period{15000};
  bool h1 = true, h2 = true, h2c = false;  // `servers { protocols }`: HTTP/1.1, HTTP/2 over TLS, cleartext HTTP/2
  bool log_credentials = false;  // `servers { log_credentials }`: else access logs redact credentials
  // The logger of the server's own lines ("listening", "server stopped"); quiet: none at info
  // (the admin API's server says what it wants itself).
  std::string logger = "http";
  bool quiet = false;
  bool metrics = false;  // `metrics`: Caddy's HTTP metrics are counted (metrics/http.h)
  std::string name;      // `servers { name }`: the server label; "" = srv0, srv1, ... in listener order
  ClientIpPolicy client_ip;  // `servers { trusted_proxies; client_ip_headers; trusted_proxies_strict }`
};

}  // namespace pogo::server
