// Response compression (`encode gzip zstd`): choosing an encoding from Accept-Encoding (q-values,
// `*`, `identity`; the server's order breaks ties), deciding whether a response is worth it
// (compressible Content-Type, no Content-Encoding yet, a body of at least the minimum length when
// its length is known), and streaming compressors that turn body chunks into encoded chunks.
//
// Threads: negotiation is pure; a Compressor belongs to one response on its loop thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/exchange.h"

namespace pogo::server {

// The encoding to use ("gzip", "zstd"), or "" for none. `offered` in the server's preference order.
std::string negotiate_encoding(std::string_view accept_encoding, const std::vector<std::string>& offered);

// True for text/*, JSON, JavaScript, XML, SVG, WebAssembly, fonts, ... (Caddy's default list).
bool compressible_type(std::string_view content_type);

// Whether a response with these headers should be encoded (Vary is added by the caller either way
// when this returns true or when only the client did not accept).
bool should_encode(int status, const std::vector<Header>& headers, std::optional<uint64_t> length,
                   uint64_t minimum_length);

class Compressor {
 public:
  virtual ~Compressor() = default;
  virtual std::string update(std::string_view data) = 0;  // encoded bytes available so far
  virtual std::string finish() = 0;                       // the rest, and the format's trailer
};

std::unique_ptr<Compressor> make_compressor(const std::string& encoding, int gzip_level = 0);

// Adds "Accept-Encoding" to Vary unless it is there already.
void add_vary_accept_encoding(std::vector<Header>& headers);

}  // namespace pogo::server
