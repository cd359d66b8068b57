// Response compression (`encode zstd br gzip`): choosing an encoding from Accept-Encoding (the
// client's q-values first, then the directive's order: Caddy's `prefer`), deciding whether a
// response is worth it (its response matcher — by default Caddy's list of compressible
// Content-Types —, no Content-Encoding yet, no `no-transform`, a body longer than the minimum
// length when its length is known), and streaming compressors that turn body chunks into encoded
// chunks, each update flushed so that streamed output (flush(), server-sent events) reaches the
// client as it is produced. In the core, not in server/routes/: the stream encodes the responses
// (the `encode` directive's handler, in routes/modifiers.cpp, only leaves its choice in the
// Request's ResponseFilters).
//
// Threads: negotiation and matching are pure; a Compressor belongs to one response on its loop thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "caddyfile/config.h"
#include "server/exchange.h"

namespace pogo::server {

// The encoding to use ("br", "zstd", "gzip"), or "" for none. `offered` in the server's preference
// order, which breaks ties between equal q-values; `*` stands for any encoding not named.
std::string negotiate_encoding(std::string_view accept_encoding, const std::vector<std::string>& offered);

// Caddy's default response matcher: its list of text-like Content-Types (text/*, JSON,
// JavaScript, XML, SVG, WebAssembly, some fonts, ...), matched as Caddy matches header values.
bool compressible_type(std::string_view content_type);

// Caddy's response matcher: one of the status codes (a single digit is a class) and every header
// condition (a value pattern of value_pattern_matches, server/http_text.h; no values: present;
// "!Field": absent).
bool response_matches(const caddyfile::ResponseMatcherSpec& m, int status, const std::vector<Header>& headers);

// Whether a response with these headers should be encoded (Vary is added by the caller either way
// when this returns true or when only the client did not accept).
bool should_encode(int status, const std::vector<Header>& headers, std::optional<uint64_t> length,
                   const caddyfile::EncodeSpec& spec);

class Compressor {
 public:
  virtual ~Compressor() = default;
  virtual std::string update(std::string_view data) = 0;  // encoded bytes available so far
  virtual std::string finish() = 0;                       // the rest, and the format's trailer
};

// nullptr for an encoding Pogo does not produce. Throws std::runtime_error when the library fails.
std::unique_ptr<Compressor> make_compressor(const std::string& encoding, const caddyfile::EncodeSpec& options = {});

// Adds "Accept-Encoding" to Vary unless it is there already.
void add_vary_accept_encoding(std::vector<Header>& headers);

}  // namespace pogo::server
