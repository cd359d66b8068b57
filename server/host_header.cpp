#include "server/host_header.h"

#include "server/byte_checks.h"

namespace pogo::server {

namespace {
constexpr auto kHostByte = bytes::alnum_and("-._~!$&'()*+,;=%:[]");
}  // namespace

bool valid_host_header(std::string_view value) {
  for (char ch : value)
    if (!kHostByte[static_cast<unsigned char>(ch)]) return false;
  return true;
}

}  // namespace pogo::server
