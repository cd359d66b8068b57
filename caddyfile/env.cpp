#include "caddyfile/env.h"

#include <cstdlib>

namespace caddyfile {

std::optional<std::string> process_env(const std::string& name) {
    if (const char* v = std::getenv(name.c_str())) return std::string(v);
    return std::nullopt;
}

std::string expand_env(std::string_view input, const EnvLookup& lookup) {
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
            out.append(input.substr(pos, open + 2 - pos));
            pos = open + 2;
            continue;
        }
        out.append(input.substr(pos, open - pos));
        size_t colon = body.find(':');
        std::string name(body.substr(0, colon));
        std::optional<std::string> value = lookup ? lookup(name) : std::nullopt;
        if (value)
            out += *value;
        else if (colon != std::string_view::npos)
            out.append(body.substr(colon + 1));
        pos = close + 1;
    }
    out.append(input.substr(pos));
    return out;
}

}  // namespace caddyfile
