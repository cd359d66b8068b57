// The head a reverse proxy sends upstream and the one it passes back, as Caddy's reverse_proxy
// makes them: hop-by-hop fields (and those the Connection field names) are not forwarded in
// either direction, X-Forwarded-For/-Proto/-Host are set (extending what a trusted peer sent),
// the client's Host goes through unchanged, then header_up applies, with the chosen upstream's
// placeholders filled in. Pure functions: unit-tested without sockets.
//
// Threads: pure; any thread (used on the request's loop thread).
#pragma once

#include <string>
#include <vector>

#include "server/exchange.h"
#include "server/proxy.h"

namespace pogo::server {

// Removes the hop-by-hop fields of one message: Caddy's list (Connection, Proxy-Connection,
// Keep-Alive, Proxy-Authenticate, Proxy-Authorization, TE, Trailer, Transfer-Encoding, Upgrade,
// Alt-Svc) and whatever the Connection field names. `keep_te_trailers`: a request's "TE: trailers"
// stays (gRPC needs it).
void strip_hop_by_hop(std::vector<Header>& headers, bool keep_te_trailers = false);

// The protocol a request asks to switch to (its Upgrade field, when its Connection field names
// "upgrade"), for the proxy to pass on: "" when it asks for none, comes over HTTP/2 or HTTP/1.0,
// has a body, or asks for h2c (cleartext HTTP/2 is this server's own business, as in Caddy).
std::string upgrade_type(const RequestHead& h);

// `text` with the upstream placeholders ({http.reverse_proxy.upstream.hostport|host|port|address},
// {upstream_hostport}) replaced for `u`.
std::string fill_upstream_placeholders(std::string text, const UpstreamAddress& u);

// The header fields sent upstream for `h` (without framing fields): `trusted` says the client's
// peer is a trusted proxy, whose X-Forwarded-* values are kept and extended. A request asking for
// an upgrade (upgrade_type()) keeps `Connection: Upgrade` and its Upgrade field.
std::vector<Header> upstream_request_headers(const RequestHead& h, const ToProxy& p, const UpstreamAddress& u,
                                             bool trusted);

// Appends to `out` the request line and header block sent upstream, framing included: the
// client's Content-Length when it sent one, else `Transfer-Encoding: chunked` when the request
// has a body. Ends with the blank line.
void upstream_request_head(std::string& out, const RequestHead& h, const ToProxy& p, const UpstreamAddress& u,
                           bool trusted);

}  // namespace pogo::server
