#include "caddyfile/env.h"

#include <cstdlib>

namespace caddyfile {

std::optional<std::string> process_env(const std::string& name) {
    if (const char* v = std::getenv(name.c_str())) return std::string(v);
    return std::nullopt;
}

std::string expand_env(std::string_view input, const EnvLookup& lookup) {
    std::vector<int> unused;
    return expand_env(input, lookup, unused);
}

std::string expand_env(std::string_view input, const EnvLookup& lookup, std::vector<int>& line_map) {
    line_map.assign(1, 1);
    int line = 1;
    // Appends text from the input (its line breaks advance `line`) or from a value (they do not).
    auto append = [&](std::string& out, std::string_view text, bool from_input) {
        for (char c : text) {
            out += c;
            if (c != '\n') continue;
            if (from_input) ++line;
            line_map.push_back(line);
        }
    };
    std::string out;
    out.reserve(input.size());
    size_t pos = 0;
    while (pos < input.size()) {
        size_t open = input.find("{$", pos);
        if (open == std::string_view::npos) break;
        size_t close = input.find('}', open + 2);
        std::string_view body = close == std::string_view::npos ? std::string_view{} : input.substr(open + 2, close - open - 2);
        // a span crossing a line break is not a variable: it would corrupt line numbers
        if (close == std::string_view::npos || body.empty() || body.find('\n') != std::string_view::npos) {
            append(out, input.substr(pos, open + 2 - pos), true);
            pos = open + 2;
            continue;
        }
        append(out, input.substr(pos, open - pos), true);
        size_t colon = body.find(':');
        std::string name(body.substr(0, colon));
        std::optional<std::string> value = lookup ? lookup(name) : std::nullopt;
        if (value)
            append(out, *value, false);
        else if (colon != std::string_view::npos)
            append(out, body.substr(colon + 1), false);
        pos = close + 1;
    }
    append(out, input.substr(pos), true);
    return out;
}

}  // namespace caddyfile
