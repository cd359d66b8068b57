// CRC-32 (IEEE 802.3, the polynomial of zlib and PNG): the per-record checksum of the history file.
//
// Threads: a pure function, any thread.
#pragma once

#include <cstdint>
#include <string_view>

namespace pogo::mercure {

// The CRC of `bytes`, continuing from `crc` (0 to start).
uint32_t crc32(std::string_view bytes, uint32_t crc = 0);

}  // namespace pogo::mercure
