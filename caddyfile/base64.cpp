#include "caddyfile/base64.h"

namespace caddyfile {

std::string base64_decode(std::string_view in) {
    static constexpr std::string_view chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve(in.size() / 4 * 3 + 2);
    int bits = 0;
    unsigned value = 0;
    for (char c : in) {
        if (c == '=') break;
        size_t v = chars.find(c);
        if (v == std::string_view::npos) return {};
        value = (value << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((value >> bits) & 0xFF);
        }
    }
    return out;
}

}  // namespace caddyfile
