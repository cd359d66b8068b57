#include "server/host_header.h"

#include <array>

namespace pogo::server {

namespace {
constexpr auto kHostByte = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c)
    t[size_t(c)] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   (c < 0x80 && std::string_view("-._~!$&'()*+,;=%:[]").find(char(c)) != std::string_view::npos);
  return t;
}();
}  // namespace

bool valid_host_header(std::string_view value) {
  for (char ch : value)
    if (!kHostByte[static_cast<unsigned char>(ch)]) return false;
  return true;
}

}  // namespace pogo::server
