#include "server/chunk_framing.h"

namespace pogo::server {

namespace {
constexpr char kCrlf[] = "\r\n";
}

void ChunkFraming::begin_body() {
  data_left_ = 0;
  crlf_checked_ = 2;
  extension_bytes_ = 0;
  error_ = nullptr;
}

bool ChunkFraming::check_crlf(const char* from, const char* to) {
  while (crlf_checked_ < 2 && from < to) {
    if (*from != kCrlf[crlf_checked_]) {
      error_ = "chunk data not followed by CRLF";
      return false;
    }
    ++from;
    ++crlf_checked_;
  }
  return true;
}

bool ChunkFraming::check_input_start(const char* data, size_t len) {
  if (crlf_checked_ == 2 || len == 0) return true;
  return check_crlf(data, data + len);
}

bool ChunkFraming::add_extension_bytes(size_t n) {
  extension_bytes_ += n;
  if (extension_bytes_ <= kMaxExtensionBytes) return true;
  error_ = "chunk extensions too long";
  return false;
}

void ChunkFraming::chunk_header(uint64_t size) {
  data_left_ = size;
  extension_bytes_ = 0;
  // The last chunk (size 0) is followed by trailers and an empty line, which llhttp parses as
  // header lines, strictly enough; only a data chunk has the CRLF llhttp skips unread.
  crlf_checked_ = 2;
}

bool ChunkFraming::data(const char* at, size_t n) {
  if (n == 0 || data_left_ == 0) return true;
  data_left_ = n >= data_left_ ? 0 : data_left_ - n;
  if (data_left_ > 0) return true;
  crlf_checked_ = 0;
  const char* end = at + n;
  return check_crlf(end, input_end_ && input_end_ > end ? input_end_ : end);
}

}  // namespace pogo::server
