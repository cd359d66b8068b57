#include "server/host_header.h"

namespace pogo::server {

bool valid_host_header(std::string_view value) {
  for (char ch : value) {
    unsigned char c = static_cast<unsigned char>(ch);
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              std::string_view("-._~!$&'()*+,;=%:[]").find(char(c)) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

}  // namespace pogo::server
