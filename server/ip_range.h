// IP addresses and CIDR ranges as Caddy's matchers and `trusted_proxies` write them: IPv4, IPv6
// (bracketed or with a zone), an IPv4-mapped IPv6 address counting as its IPv4 address.
// In the core because both the client address (client_ip.h) and the routes' remote_ip and
// client_ip matchers use it.
//
// Threads: pure functions; any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pogo::server {

// IP or CIDR (v4 or v6) containment; false for malformed input.
bool ip_in_range(std::string_view range, std::string_view ip);
// True when `range` is a valid IP or CIDR.
bool valid_ip_range(std::string_view range);
// `written` (IPs, CIDRs, `private_ranges`) checked and expanded; throws std::runtime_error naming
// `what` (the matcher or option) and the bad entry.
std::vector<std::string> ip_ranges(std::string_view what, const std::vector<std::string>& written);

}  // namespace pogo::server
