// The byte-set checks every request and response makes on its head's text (field names and
// values, the request target), eight bytes at a time: a word test, exact as a yes or no ("some
// byte of these eight is below c / equals c"), says whether a word may hold a refused byte, and
// only then, or for a string too short for words, are its bytes looked at one by one.
//
// Threads: any (pure functions).
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace pogo::server {

namespace bytes {

inline constexpr uint64_t kOnes = 0x0101010101010101ull, kHighs = 0x8080808080808080ull;

// Nonzero when a byte of `w` is below `c` (c <= 0x80), whichever byte it is.
constexpr uint64_t below(uint64_t w, unsigned char c) { return (w - kOnes * c) & ~w & kHighs; }
// Nonzero when a byte of `w` equals `c`.
constexpr uint64_t equal(uint64_t w, unsigned char c) { return below(w ^ (kOnes * c), 1); }
// Nonzero when a byte of `w` is 0x80 or above.
constexpr uint64_t high(uint64_t w) { return w & kHighs; }

// Whether no byte of `s` is one `Bad` refuses. `MayBeBad(word)` must be true for every word
// holding such a byte. Eight bytes at a time, the last eight overlapping the ones before (4 to 7
// bytes: two overlapping halves of one word).
template <bool (*MayBeBad)(uint64_t), bool (*Bad)(unsigned char)>
bool all_good(std::string_view s) {
  const char* p = s.data();
  const size_t n = s.size();
  if (n >= 8) {
    uint64_t w;
    bool suspect = false;
    for (size_t i = 0; i + 8 < n; i += 8) {
      std::memcpy(&w, p + i, 8);
      suspect |= MayBeBad(w);
    }
    std::memcpy(&w, p + n - 8, 8);
    if (!suspect && !MayBeBad(w)) return true;
  } else if (n >= 4) {
    uint32_t a, b;
    std::memcpy(&a, p, 4);
    std::memcpy(&b, p + n - 4, 4);
    if (!MayBeBad(uint64_t(a) | uint64_t(b) << 32)) return true;
  }
  for (size_t k = 0; k < n; ++k)
    if (Bad(static_cast<unsigned char>(p[k]))) return false;
  return true;
}

// Bytes a written field name may not hold: controls, space, ':', DEL and above.
inline constexpr auto kBadNameByte = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c) t[size_t(c)] = c <= ' ' || c == ':' || c >= 0x7f;
  return t;
}();
constexpr bool bad_name_byte(unsigned char c) { return kBadNameByte[c]; }
constexpr bool word_may_be_bad_name(uint64_t w) { return (high(w) | below(w, '!') | equal(w, ':') | equal(w, 0x7f)) != 0; }

// CR, LF and NUL: the only bytes below 14 a written value may not hold.
constexpr bool bad_written_value_byte(unsigned char c) {
  constexpr unsigned kBad = (1u << '\r') | (1u << '\n') | 1u;
  return c < 14 && ((kBad >> c) & 1u);
}
constexpr bool word_may_be_bad_written_value(uint64_t w) { return below(w, 14) != 0; }

// A request target's controls, space and DEL (bytes past DEL pass).
constexpr bool bad_target_byte(unsigned char c) { return c <= 0x20 || c == 0x7f; }
constexpr bool word_may_be_bad_target(uint64_t w) { return (below(w, 0x21) | equal(w, 0x7f)) != 0; }

// A received value's controls but tab, and DEL.
constexpr bool bad_value_byte(unsigned char c) { return c < 0x20 ? c != '\t' : c == 0x7f; }
constexpr bool word_may_be_bad_value(uint64_t w) { return (below(w, 0x20) | equal(w, 0x7f)) != 0; }

// A table of the bytes a set allows: ASCII letters and digits, and those of `extra`.
constexpr std::array<bool, 256> alnum_and(std::string_view extra) {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c)
    t[size_t(c)] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   (c < 0x80 && extra.find(char(c)) != std::string_view::npos);
  return t;
}

}  // namespace bytes

// A field name the server may write: not empty; no control, space, ':', DEL or byte past it.
inline bool writable_field_name(std::string_view name) {
  return !name.empty() && bytes::all_good<bytes::word_may_be_bad_name, bytes::bad_name_byte>(name);
}
// A field value the server may write: no CR, LF or NUL (they would split or cut the head).
inline bool writable_field_value(std::string_view value) {
  return bytes::all_good<bytes::word_may_be_bad_written_value, bytes::bad_written_value_byte>(value);
}
// A request target as received: no control byte, space or DEL.
inline bool plain_request_target(std::string_view target) {
  return bytes::all_good<bytes::word_may_be_bad_target, bytes::bad_target_byte>(target);
}
// A field value as received: no control byte but tab, no DEL.
inline bool plain_field_value(std::string_view value) {
  return bytes::all_good<bytes::word_may_be_bad_value, bytes::bad_value_byte>(value);
}

}  // namespace pogo::server
