#include "mercure/update.h"

#include <openssl/rand.h>

#include <array>
#include <cstdio>
#include <cstdlib>

namespace pogo::mercure {

namespace {

// Unicode general category Cf (format characters), the ranges in use as of Unicode 15.
bool is_format_char(uint32_t cp) {
  static constexpr std::array<std::pair<uint32_t, uint32_t>, 20> kCf = {{
      {0x00AD, 0x00AD}, {0x0600, 0x0605}, {0x061C, 0x061C}, {0x06DD, 0x06DD}, {0x070F, 0x070F},
      {0x0890, 0x0891}, {0x08E2, 0x08E2}, {0x180E, 0x180E}, {0x200B, 0x200F}, {0x202A, 0x202E},
      {0x2060, 0x2064}, {0x2066, 0x206F}, {0xFEFF, 0xFEFF}, {0xFFF9, 0xFFFB}, {0x110BD, 0x110BD},
      {0x110CD, 0x110CD}, {0x13430, 0x1343F}, {0x1BCA0, 0x1BCA3}, {0x1D173, 0x1D17A}, {0xE0001, 0xE007F},
  }};
  for (auto [lo, hi] : kCf)
    if (cp >= lo && cp <= hi) return true;
  return false;
}

// Decodes UTF-8, calling f(code point) for each; false on an invalid sequence.
template <typename F>
bool for_each_code_point(std::string_view s, F&& f) {
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    uint32_t cp = n == 1 ? c : c & (0x7f >> n);
    for (size_t k = 1; k < n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = cp << 6 | (cc & 0x3f);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
      return false;
    if (!f(cp)) return false;
    i += n;
  }
  return true;
}

// A protocol string (topic, id, type): UTF-8 without C0, DEL, C1 or format characters.
bool valid_protocol_string(std::string_view s) {
  return for_each_code_point(s, [](uint32_t cp) {
    return cp >= 0x20 && !(cp >= 0x7f && cp <= 0x9f) && !is_format_char(cp);
  });
}

}  // namespace

size_t Update::approx_size() const {
  size_t n = sizeof(Update) + data.size() + id.size() + type.size();
  for (const auto& t : topics) n += sizeof(std::string) + t.size();
  return n;
}

std::string generate_update_id() {
  std::array<unsigned char, 16> b{};
  if (RAND_bytes(b.data(), static_cast<int>(b.size())) != 1) {
    // The CSPRNG failing is not something a publish can work around; fall back to a weaker
    // source rather than handing out a fixed id, which would break Last-Event-ID.
    for (auto& x : b) x = static_cast<unsigned char>(std::rand());
  }
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 9562 variant
  char out[64];
  std::snprintf(out, sizeof out,
                "urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2],
                b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  return out;
}

std::optional<std::string> validate_update(const Update& u) {
  if (u.topics.empty()) return "missing \"topic\" parameter";
  for (const auto& t : u.topics)
    if (t.empty() || !valid_protocol_string(t)) return "invalid topic \"" + t + "\"";
  if (!u.id.empty()) {
    if (u.id[0] == '#') return "the id must not start with '#' (reserved for ids the hub generates)";
    if (u.id == kEarliestId) return "the id \"earliest\" is reserved";
    if (!valid_protocol_string(u.id)) return "the id contains control or format characters";
  }
  if (u.type == "mercure") return "the event type \"mercure\" is reserved for the hub";
  if (!valid_protocol_string(u.type)) return "the event type contains control or format characters";
  if (!for_each_code_point(u.data, [](uint32_t) { return true; })) return "the data is not valid UTF-8";
  return std::nullopt;
}

}  // namespace pogo::mercure
