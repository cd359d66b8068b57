// server/byte_checks.h: each check, eight bytes at a time, agrees with its byte-by-byte rule for
// every byte value at every position of strings of every length around the word size.
#include <doctest/doctest.h>

#include <string>

#include "server/byte_checks.h"

using namespace pogo::server;

TEST_CASE("byte checks: every byte at every position of every length up to 40") {
  struct Check {
    const char* name;
    bool (*check)(std::string_view);
    bool (*refused)(unsigned char);  // the rule, byte by byte
    bool empty_ok;
  };
  const Check checks[] = {
      {"writable_field_name", writable_field_name,
       [](unsigned char c) { return c <= ' ' || c == ':' || c >= 0x7f; }, false},
      {"writable_field_value", writable_field_value,
       [](unsigned char c) { return c == '\r' || c == '\n' || c == 0; }, true},
      {"plain_request_target", plain_request_target, [](unsigned char c) { return c <= 0x20 || c == 0x7f; }, true},
      {"plain_field_value", plain_field_value,
       [](unsigned char c) { return (c < 0x20 && c != '\t') || c == 0x7f; }, true},
  };
  for (const auto& k : checks) {
    const std::string name = k.name;
    CAPTURE(name);
    CHECK(k.check("") == k.empty_ok);
    // Fillers the rule accepts: one next to the refused bytes' edges where there is one.
    std::string fillers;
    for (unsigned char c : {'a', '!', '~', '\t', ' ', ';', char(0x80), char(0xff)})
      if (!k.refused(c)) fillers += char(c);
    for (char fill : fillers) {
      for (size_t len = 1; len <= 40; ++len) {
        std::string s(len, fill);
        CAPTURE(int(static_cast<unsigned char>(fill)));
        CAPTURE(len);
        REQUIRE(k.check(s));
        for (size_t at = 0; at < len; ++at) {
          for (int c = 0; c < 256; ++c) {
            s[at] = char(c);
            if (k.check(s) != !k.refused(static_cast<unsigned char>(c))) {
              CAPTURE(at);
              CAPTURE(c);
              FAIL("the check disagrees with its rule");
            }
          }
          s[at] = fill;
        }
      }
    }
  }
}
