// Reverse proxying in the core: what a `reverse_proxy` route hands the stream (ToProxy, one of
// the Actions) and the settings it runs with (ProxySettings: the upstreams and the transport's
// timeouts and pool limits). server/routes/ builds the settings from the Caddyfile once and fills
// a ToProxy per request (the target, header_up and header_down with placeholders resolved); the
// stream runs it with a ProxyCall (server/proxy_call.h) on its loop thread.
//
// Threads: ProxySettings is built on the main thread, then immutable (shared read-only by every
// loop) but for its UpstreamHealth records and round-robin cursor, which are thread-safe; a
// ToProxy is made and consumed on the loop thread of its request.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/types.h>

#include "server/header_edit.h"

namespace pogo::server {

class ResponseRoutes;

// One upstream of a reverse_proxy: an HTTP/1.1 server (over TLS when the settings say so).
struct UpstreamAddress {
  std::string host;  // a name or an IP literal, without brackets
  uint16_t port = 80;
  std::string hostport;  // as Caddy's {http.reverse_proxy.upstream.hostport} shows it ("[::1]:8080")
  // Written with placeholders: resolved for each request (ToProxy::resolved), never pooled (each
  // request may go elsewhere) and not actively health-checked; hostport is the text as written.
  bool dynamic = false;
};

// "host", "host:port", "[v6]:port", optionally after "http://": the address a dynamic upstream
// expanded to, or nullopt when it is not one (empty, a path, a bad port).
std::optional<UpstreamAddress> parse_upstream_address(std::string_view text);

// Caddy's lb_policy names; random is its default.
enum class LbPolicy { random, round_robin, least_conn, first, ip_hash, client_ip_hash, uri_hash, header };

// What every loop knows of one upstream, shared: requests in flight (least_conn), recent failures
// (passive health checks) and the last active check's verdict. Threads: any; atomics and a mutex.
struct UpstreamHealth {
  std::atomic<int> in_flight{0};
  std::atomic<bool> check_failed{false};  // the last active health check failed
  std::mutex mu;
  std::vector<std::chrono::steady_clock::time_point> fails;  // within fail_duration, oldest first
};

struct ProxySettings {
  std::vector<UpstreamAddress> upstreams;
  LbPolicy lb_policy = LbPolicy::random;
  std::string lb_header;  // the header policy's field
  int lb_retries = 0;     // more upstreams tried after a failure
  std::chrono::milliseconds lb_try_duration{0};    // retries go on for this long (0: lb_retries only)
  std::chrono::milliseconds lb_try_interval{250};  // between two tries
  // Passive health checks: an upstream with max_fails failures (or unhealthy_status answers)
  // within fail_duration is skipped. 0: off.
  std::chrono::milliseconds fail_duration{0};
  int max_fails = 1;
  std::vector<int> unhealthy_status;  // codes; 1-5 stand for a class (5 = 5xx)
  // Active health checks: GET health_uri every health_interval; a failure marks it down.
  std::string health_uri;  // "" = off
  std::chrono::milliseconds health_interval{30000};
  std::chrono::milliseconds health_timeout{5000};
  int health_status = 2;  // as unhealthy_status: a code, or a class
  // One per upstream, same order. Mutable state of an otherwise immutable object.
  std::unique_ptr<UpstreamHealth[]> health;
  mutable std::atomic<uint64_t> next{0};  // round_robin's cursor

  // HTTPS upstreams (an https:// address, or `transport http { tls }`): every upstream is dialed
  // with TLS from this context; the name sent and verified is tls_server_name, else the upstream's host.
  std::shared_ptr<SSL_CTX> tls;
  std::string tls_server_name;

  std::chrono::milliseconds dial_timeout{3000};         // Caddy's default
  std::chrono::milliseconds response_header_timeout{0};  // 0: none
  size_t read_buffer = 0;  // bytes read from the upstream at once; 0: the loop's buffer (64 KiB), also the cap
  bool keepalive = true;
  std::chrono::milliseconds keepalive_idle{120000};  // an idle pooled connection is closed after this
  size_t keepalive_idle_conns = 32;                   // idle connections kept per upstream and loop
  // reverse_proxy's own trusted_proxies, beside the server's: a peer in them may pass on
  // X-Forwarded-* values it received.
  std::vector<std::string> trusted_proxies;
};

struct ToProxy {
  const ProxySettings* settings = nullptr;  // the route's, which outlives every request
  std::string target;                       // the request-target sent upstream (path and query)
  // header_up: applied after the X-Forwarded-* headers are set; values may still hold the upstream
  // placeholders ({http.reverse_proxy.upstream.*}, {upstream_hostport}), filled once it is chosen.
  std::shared_ptr<const HeaderOps> header_up;
  std::shared_ptr<const HeaderOps> header_down;  // on the upstream's response headers
  // When some upstreams are dynamic: every upstream of the settings, in order, with those
  // resolved for this request (empty otherwise: the settings' own are used).
  std::vector<UpstreamAddress> resolved;
  // handle_response / replace_status (server/router.h), tried on the upstream's head; null: none.
  const ResponseRoutes* responses = nullptr;  // the route's, which outlives every request
};

// A status matches `want` (a code, or 1-5 for a class).
inline bool status_matches(int status, int want) { return want < 10 ? status / 100 == want : status == want; }

// Whether upstream `i` may take requests now: not failed max_fails times within fail_duration,
// not failed by the last active check.
bool upstream_available(const ProxySettings& s, size_t i);
// A failed request to upstream `i` (passive health checks; no-op when they are off).
void record_upstream_failure(const ProxySettings& s, size_t i);

}  // namespace pogo::server
