// Test helper: decodes brotli with libbrotlidec, to check what the server's `encode br` and the
// brotli compressor produced — in one piece, or chunk by chunk as a streaming client reads it.
#pragma once

#include <brotli/decode.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace pogo::test {

// Feeds a brotli stream in pieces; `complete` once its last meta-block was read.
class Unbrotli {
 public:
  Unbrotli() : s_(BrotliDecoderCreateInstance(nullptr, nullptr, nullptr)) {}
  ~Unbrotli() { BrotliDecoderDestroyInstance(s_); }
  Unbrotli(const Unbrotli&) = delete;
  Unbrotli& operator=(const Unbrotli&) = delete;

  // What `in` decodes to, given everything fed before. Throws std::runtime_error on a corrupt stream.
  std::string feed(std::string_view in) {
    std::string out;
    size_t avail_in = in.size();
    const uint8_t* next_in = reinterpret_cast<const uint8_t*>(in.data());
    for (;;) {
      uint8_t buf[4096];
      size_t avail_out = sizeof buf;
      uint8_t* next_out = buf;
      BrotliDecoderResult r = BrotliDecoderDecompressStream(s_, &avail_in, &next_in, &avail_out, &next_out, nullptr);
      out.append(reinterpret_cast<const char*>(buf), sizeof buf - avail_out);
      if (r == BROTLI_DECODER_RESULT_ERROR) throw std::runtime_error("not a brotli stream");
      if (r == BROTLI_DECODER_RESULT_SUCCESS) complete = true;
      if (r != BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT) break;
    }
    return out;
  }
  bool complete = false;

 private:
  BrotliDecoderState* s_;
};

// The decompressed bytes, or "<not brotli>" when `in` is not one complete brotli stream.
inline std::string unbrotli(std::string_view in) {
  try {
    Unbrotli d;
    std::string out = d.feed(in);
    return d.complete ? out : "<not brotli>";
  } catch (const std::runtime_error&) {
    return "<not brotli>";
  }
}

}  // namespace pogo::test
