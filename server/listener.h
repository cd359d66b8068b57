// Listening sockets: parsing a listen address ("127.0.0.1:8080", ":8080", "[::1]:8080",
// "localhost:8080") and binding one SO_REUSEPORT socket per loop on it, so the kernel spreads
// accepted connections over the loops without a shared accept lock.
//
// Threads: parse_listen_address and bind_listen_socket are pure/blocking helpers for the main
// thread at start-up.
#pragma once

#include <sys/socket.h>
#include <sys/un.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace pogo::server {

struct ListenAddress {
  std::string text;  // as configured, for messages
  std::string host;  // "" = all interfaces; literal IP or name otherwise (no brackets)
  uint16_t port = 0;
  std::string unix_path;  // "unix//run/pogo.sock" (Caddy's network/address form): a unix socket, no host or port
};

// Throws StartupError on a malformed address.
ListenAddress parse_listen_address(std::string_view text);

// A unix socket path is bound after removing a stale socket file (one nobody accepts on);
// a live one is "address already in use".
// Creates, binds and listens a non-blocking socket on `addr` with port `port` (0 = ephemeral).
// Returns the fd; the actually bound address is written to `bound`. `first` is true for the first
// socket of an address (it checks that no other process listens there). Throws StartupError
// ("listen tcp 127.0.0.1:8080: address already in use"); "permission denied" on a port below
// net.ipv4.ip_unprivileged_port_start goes on to name CAP_NET_BIND_SERVICE and the setcap command.
int bind_listen_socket(const ListenAddress& addr, uint16_t port, bool first, sockaddr_storage& bound);

// "127.0.0.1:8080" / "[::1]:8080" for a bound socket address.
std::string format_socket_address(const sockaddr_storage& sa);
uint16_t socket_port(const sockaddr_storage& sa);
// The numeric IP of a socket address ("::1", "127.0.0.1"; IPv4-mapped IPv6 shown as IPv4).
std::string socket_ip(const sockaddr_storage& sa);

}  // namespace pogo::server
