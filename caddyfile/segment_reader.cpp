#include "caddyfile/segment_reader.h"

#include <charconv>
#include <stdexcept>

#include "caddyfile/error.h"

namespace caddyfile {

std::vector<std::string> SegmentReader::texts(size_t from) const {
    std::vector<std::string> out;
    for (size_t i = from; i < size(); ++i) out.push_back(text(i));
    return out;
}

void SegmentReader::expect_args(size_t min, size_t max) const {
    if (size() < min) fail(name(), "missing argument for " + quoted(name().text));
    if (size() > max) fail((*this)[max], "too many arguments for " + quoted(name().text));
}

void SegmentReader::no_block() const {
    if (seg_.has_block) fail(seg_.open, quoted(name().text) + " does not take a block");
}

void unknown_subdirective(const Segment& sub, const std::string& context) {
    fail(sub.name(), "unrecognized " + context + " subdirective " + quoted(sub.name().text));
}

int parse_int(const Token& t, const std::string& what, int min, int max) {
    int value = 0;
    const std::string& s = t.text;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc() || p != s.data() + s.size() || s.empty())
        fail(t, "invalid number " + quoted(s) + " for " + quoted(what));
    if (value < min) fail(t, quoted(what) + " must be at least " + std::to_string(min) + ", got " + s);
    if (value > max) fail(t, quoted(what) + " must be at most " + std::to_string(max) + ", got " + s);
    return value;
}

int parse_port(const Token& t, const std::string& what) {
    int value = 0;
    const std::string& s = t.text;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc() || p != s.data() + s.size() || s.empty() || value < 1 || value > 65535)
        fail(t, "invalid port " + quoted(s) + " for " + quoted(what) + ": expected a number from 1 to 65535");
    return value;
}

Duration parse_duration(const Token& t, const std::string& what) {
    try {
        return parse_duration(t.text);
    } catch (const std::invalid_argument& e) {
        fail(t, what + ": " + e.what());
    }
}

uint64_t parse_size(const Token& t, const std::string& what) {
    try {
        return parse_size(t.text);
    } catch (const std::invalid_argument& e) {
        fail(t, what + ": " + e.what());
    }
}

bool looks_like_status(const std::string& text) {
    return text.size() == 3 && std::isdigit(static_cast<unsigned char>(text[0])) &&
           std::isdigit(static_cast<unsigned char>(text[1])) && std::isdigit(static_cast<unsigned char>(text[2]));
}

int parse_status(const Token& t, const std::string& what) {
    if (!looks_like_status(t.text) || t.text[0] == '0')
        fail(t, "invalid status code " + quoted(t.text) + " for " + quoted(what) + ": expected 100-999");
    return std::stoi(t.text);
}

}  // namespace caddyfile
