// Reading one segment as a directive: its arguments (after a matcher token the caller skipped),
// its block, and the errors every directive reports the same way.
#pragma once

#include <string>
#include <vector>

#include "caddyfile/durations.h"
#include "caddyfile/parser.h"

namespace caddyfile {

class SegmentReader {
public:
    explicit SegmentReader(const Segment& segment, size_t skip = 0) : seg_(segment), first_(1 + skip) {}

    const Token& name() const { return seg_.name(); }
    size_t size() const { return seg_.tokens.size() - first_; }
    bool empty() const { return size() == 0; }
    const Token& operator[](size_t i) const { return seg_.tokens[first_ + i]; }
    const std::string& text(size_t i) const { return (*this)[i].text; }
    std::vector<std::string> texts(size_t from = 0) const;

    bool has_block() const { return seg_.has_block; }
    const std::vector<Segment>& block() const { return seg_.block; }

    // Throws `missing argument for "NAME"` / `too many arguments for "NAME"`.
    void expect_args(size_t min, size_t max) const;
    // Throws `"NAME" does not take a block`.
    void no_block() const;

private:
    const Segment& seg_;
    size_t first_;
};

[[noreturn]] void unknown_subdirective(const Segment& sub, const std::string& context);

int parse_int(const Token& t, const std::string& what, int min, int max = 1 << 30);
int parse_port(const Token& t, const std::string& what);
Duration parse_duration(const Token& t, const std::string& what);
uint64_t parse_size(const Token& t, const std::string& what);
int parse_status(const Token& t, const std::string& what);
bool looks_like_status(const std::string& text);

}  // namespace caddyfile
