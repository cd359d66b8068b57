#include "caddyfile/durations.h"

#include <cctype>
#include <cmath>
#include <stdexcept>

namespace caddyfile {

namespace {

double unit_ns(std::string_view unit) {
    if (unit == "ns") return 1;
    if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") return 1e3;
    if (unit == "ms") return 1e6;
    if (unit == "s") return 1e9;
    if (unit == "m") return 60e9;
    if (unit == "h") return 3600e9;
    if (unit == "d") return 86400e9;
    return 0;
}

}  // namespace

Duration parse_duration(std::string_view text) {
    const std::string quoted = "\"" + std::string(text) + "\"";
    std::string_view s = text;
    bool negative = false;
    if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
        negative = s[0] == '-';
        s.remove_prefix(1);
    }
    if (s == "0") return Duration(0);
    if (s.empty()) throw std::invalid_argument("invalid duration " + quoted);
    double total = 0;
    while (!s.empty()) {
        size_t i = 0;
        bool digits = false;
        while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) {
            digits = digits || s[i] != '.';
            ++i;
        }
        if (!digits) throw std::invalid_argument("invalid duration " + quoted);
        double number = std::stod(std::string(s.substr(0, i)));
        size_t j = i;
        while (j < s.size() && !std::isdigit(static_cast<unsigned char>(s[j])) && s[j] != '.') ++j;
        std::string_view unit = s.substr(i, j - i);
        if (unit.empty()) throw std::invalid_argument("missing unit in duration " + quoted);
        double scale = unit_ns(unit);
        if (scale == 0) throw std::invalid_argument("unknown unit \"" + std::string(unit) + "\" in duration " + quoted);
        total += number * scale;
        if (total > 9.2e18) throw std::invalid_argument("invalid duration " + quoted + ": too large");
        s.remove_prefix(j);
    }
    auto ns = static_cast<int64_t>(std::llround(total));
    return Duration(negative ? -ns : ns);
}

std::string format_duration(Duration d) {
    int64_t ns = d.count();
    if (ns == 0) return "0s";
    std::string out;
    if (ns < 0) {
        out = "-";
        ns = -ns;
    }
    if (ns % 1'000'000'000 != 0) {
        if (ns < 1'000'000'000) {
            if (ns % 1'000'000 == 0) return out + std::to_string(ns / 1'000'000) + "ms";
            if (ns % 1'000 == 0) return out + std::to_string(ns / 1'000) + "us";
            return out + std::to_string(ns) + "ns";
        }
        return out + std::to_string(ns / 1'000'000) + "ms";
    }
    int64_t s = ns / 1'000'000'000;
    if (s % 86400 == 0) return out + std::to_string(s / 86400) + "d";
    if (s >= 3600) out += std::to_string(s / 3600) + "h";
    if (s % 3600 >= 60) out += std::to_string(s % 3600 / 60) + "m";
    if (s % 60) out += std::to_string(s % 60) + "s";
    return out;
}

uint64_t parse_size(std::string_view text) {
    const std::string quoted = "\"" + std::string(text) + "\"";
    size_t i = 0;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
    if (i == 0) throw std::invalid_argument("invalid size " + quoted);
    double number = std::stod(std::string(text.substr(0, i)));
    std::string unit;
    for (char c : text.substr(i))
        if (c != ' ') unit += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    double scale;
    if (unit.empty() || unit == "b") scale = 1;
    else if (unit == "k" || unit == "kb") scale = 1e3;
    else if (unit == "ki" || unit == "kib") scale = 1024;
    else if (unit == "m" || unit == "mb") scale = 1e6;
    else if (unit == "mi" || unit == "mib") scale = 1048576;
    else if (unit == "g" || unit == "gb") scale = 1e9;
    else if (unit == "gi" || unit == "gib") scale = 1073741824;
    else if (unit == "t" || unit == "tb") scale = 1e12;
    else if (unit == "ti" || unit == "tib") scale = 1099511627776.0;
    else throw std::invalid_argument("unknown unit in size " + quoted);
    return static_cast<uint64_t>(number * scale);
}

}  // namespace caddyfile
