// Chunk framing: the checks on a chunked request body that Debian's llhttp 8.1 (built without
// LLHTTP_STRICT_MODE) leaves out. That build skips the two bytes after each chunk's data without
// looking at them, so "5\r\nhelloXX0\r\n\r\n" ends the body and whatever follows is parsed as a
// new request: a request-smuggling vector when a proxy in front frames the body differently. It
// also lets a chunk-size line carry extensions of any length. ChunkFraming watches the
// parser's callbacks (the data spans and the extension spans) and the raw input, and says when
// the framing is wrong; RequestParser turns that into a 400.
//
// We keep llhttp's lenient build (rather than compiling the strict one) because strict mode also
// refuses bare-LF line endings in the head, which Go's net/http — and so Caddy — accepts.
//
// Threads: owned by one RequestParser, on its loop thread. Pure: no I/O.
#pragma once

#include <cstddef>
#include <cstdint>

namespace pogo::server {

class ChunkFraming {
 public:
  // A chunk-size line's extensions may hold this many bytes (Go's net/http refuses chunk lines
  // past 4096 bytes too).
  static constexpr size_t kMaxExtensionBytes = 4096;

  // A new chunked body begins (its first chunk-size line is next).
  void begin_body();

  // Before llhttp sees [data, data + len): checks the CRLF bytes a previous input ended before.
  bool check_input_start(const char* data, size_t len);
  // The input being parsed ends at `end` (bytes past it are not ours to read).
  void set_input_end(const char* end) { input_end_ = end; }

  // Extension bytes of the current chunk-size line (`separator`: one more for its ';' or '=').
  bool add_extension_bytes(size_t n);
  // The chunk-size line ended: `size` data bytes follow, then CRLF (none for the last chunk).
  void chunk_header(uint64_t size);
  // `n` data bytes at `at` (within the current input). False when the bytes after a chunk's
  // data, as far as the input holds them, are not CRLF.
  bool data(const char* at, size_t n);

  const char* error() const { return error_; }

 private:
  bool check_crlf(const char* from, const char* to);

  uint64_t data_left_ = 0;
  int crlf_checked_ = 2;  // bytes of the CRLF after the chunk's data already seen (2: none due)
  size_t extension_bytes_ = 0;
  const char* input_end_ = nullptr;
  const char* error_ = nullptr;
};

}  // namespace pogo::server
