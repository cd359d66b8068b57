// The Range request header (RFC 9110 14.2) for a representation of known size: one satisfiable
// range becomes a 206, none satisfiable a 416, several are answered with the full body (allowed
// by the RFC, and it avoids multipart/byteranges), and a malformed header is ignored.
//
// Threads: pure; any thread.
#pragma once

#include <cstdint>
#include <string_view>

namespace pogo::server {

struct RangeResult {
  enum Kind { Full, Partial, Unsatisfiable } kind = Full;
  uint64_t offset = 0;  // Partial: first byte
  uint64_t length = 0;  // Partial: byte count (>= 1)
};

RangeResult parse_range(std::string_view header, uint64_t size);

}  // namespace pogo::server
