// The client's IP address behind trusted proxies, as Caddy's `servers { trusted_proxies ...;
// client_ip_headers ...; trusted_proxies_strict }` decide it: when the connection's peer is one of
// the trusted ranges, the client is read from the first of `headers` that holds a valid address —
// the leftmost one (default), or, strict, the rightmost one that is not itself a trusted proxy
// (the only one a client cannot forge). Otherwise, and when no header says, the client is the peer.
//
// The result is RequestHead::client_ip (read through RequestHead::client()): `{client_ip}`, the `client_ip` matcher, the access log's
// client_ip and, as FrankenPHP sets it, PHP's REMOTE_ADDR. The peer stays in remote_addr
// (`{remote_host}`, the `remote_ip` matcher, REMOTE_PORT's host).
//
// Threads: plain values, built on the main thread, read on the loop threads.
#pragma once

#include <string>
#include <string_view>
#include <vector>


namespace pogo::server {

struct RequestHead;

struct ClientIpPolicy {
  std::vector<std::string> trusted;  // IPs and CIDR ranges; empty = no proxy is trusted
  std::vector<std::string> headers{"X-Forwarded-For"};
  bool strict = false;

  bool enabled() const { return !trusted.empty(); }
  bool is_trusted(std::string_view ip) const;
};

// Caddy's `private_ranges`: loopback, the RFC 1918 ranges and IPv6 unique local addresses.
const std::vector<std::string>& private_ranges();

// The client IP of a request whose peer is head.remote_addr (always an address: the peer's when
// nothing better is known).
std::string resolve_client_ip(const ClientIpPolicy& policy, const RequestHead& head);

}  // namespace pogo::server
