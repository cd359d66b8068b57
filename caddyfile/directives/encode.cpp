// encode [matcher] [formats...] { gzip [level]; zstd [level] { level L; disable_checksum };
// br [quality [window]]; minimum_length N; match { status codes...; header Field [value] } }
//
// As Caddy: the formats configured in the block come first in the preference order, then those
// of the first line; nothing at all means `zstd gzip`. `br` is FrankenPHP's (the caddy-cbrotli
// plugin): quality 0-11, window 10-24.
#include <algorithm>

#include "caddyfile/directives/directives.h"

namespace caddyfile::directives {

namespace {

void add_format(const Token& t, std::vector<std::string>& order) {
    const std::string& f = t.text;
    if (f != "gzip" && f != "zstd" && f != "br") fail(t, "encode: unknown format " + quoted(f) + " (expected gzip, zstd or br)");
    // Caddy refuses a format named twice ("duplicated in prefer"): its options would be lost.
    if (std::find(order.begin(), order.end(), f) != order.end()) fail(t, "encode: format " + quoted(f) + " is given twice");
    order.push_back(f);
}

bool zstd_level_name(const std::string& s) { return s == "fastest" || s == "default" || s == "better" || s == "best"; }

void zstd_options(const SegmentReader& s, EncodeSpec& spec) {
    s.expect_args(0, 1);
    if (s.size() == 1) {
        if (!zstd_level_name(s.text(0)))
            fail(s[0], "encode zstd: unknown level " + quoted(s.text(0)) + " (expected fastest, default, better or best)");
        spec.zstd_level = s.text(0);
    }
    for (const Segment& sub : s.block()) {
        SegmentReader o(sub);
        const std::string& n = o.name().text;
        o.no_block();
        if (n == "level") {
            o.expect_args(1, 1);
            if (!spec.zstd_level.empty()) fail(o.name(), "encode zstd: compression level already specified");
            if (!zstd_level_name(o.text(0)))
                fail(o[0], "encode zstd: unknown level " + quoted(o.text(0)) + " (expected fastest, default, better or best)");
            spec.zstd_level = o.text(0);
        } else if (n == "disable_checksum") {
            o.expect_args(0, 0);
            if (!spec.zstd_checksum) fail(o.name(), "encode zstd: checksum already specified");
            spec.zstd_checksum = false;
        } else {
            unknown_subdirective(sub, "encode zstd");
        }
    }
}

// One `status` or `header` condition of a response matcher, from tokens[at...].
void response_condition(const std::vector<Token>& tokens, size_t at, ResponseMatcherSpec& m) {
    const Token& what = tokens[at];
    size_t nargs = tokens.size() - at - 1;
    if (what.text == "status") {
        if (nargs == 0) fail(what, "encode match: status needs at least one code");
        for (size_t i = at + 1; i < tokens.size(); ++i) {
            const std::string& c = tokens[i].text;
            if (c.size() == 3 && c[0] >= '1' && c[0] <= '5' && c.substr(1) == "xx") {
                m.status_codes.push_back(c[0] - '0');
                continue;
            }
            int code = parse_int(tokens[i], "encode match status", 1, 599);
            if (code > 5 && code < 100) fail(tokens[i], "encode match: bad status " + quoted(c) + " (expected 2xx, 2 or 200)");
            m.status_codes.push_back(code);
        }
    } else if (what.text == "header") {
        if (nargs == 0) fail(what, "encode match: header needs a field");
        std::string field = tokens[at + 1].text;
        if (field == "!") fail(tokens[at + 1], "encode match: header needs a field name after !");
        std::vector<std::string> values;
        for (size_t i = at + 2; i < tokens.size(); ++i) values.push_back(tokens[i].text);
        if (field.starts_with("!") && !values.empty())
            fail(tokens[at + 2], "encode match: a header that must be absent (" + field + ") takes no value");
        // Several lines for one field: any of their values (Caddy merges them the same way).
        auto same = std::find_if(m.headers.begin(), m.headers.end(), [&](const auto& h) { return h.first == field; });
        if (same == m.headers.end()) m.headers.emplace_back(field, std::move(values));
        else if (!same->second.empty() && !values.empty()) same->second.insert(same->second.end(), values.begin(), values.end());
        else same->second.clear();  // one line asks only that it exists
    } else {
        fail(what, "encode match: unknown response matcher " + quoted(what.text) + " (expected status or header)");
    }
}

ResponseMatcherSpec response_matcher(const SegmentReader& s, const Segment& seg) {
    ResponseMatcherSpec m;
    if (!s.empty()) response_condition(seg.tokens, 1, m);
    for (const Segment& sub : s.block()) {
        if (sub.has_block) fail(sub.open, "encode match: " + quoted(sub.name().text) + " does not take a block");
        response_condition(sub.tokens, 0, m);
    }
    if (s.empty() && s.block().empty()) fail(s.name(), "encode match: expected status or header conditions");
    return m;
}

}  // namespace

HandlerSpec encode(DirectiveInput& in) {
    EncodeSpec spec;
    std::vector<std::string> block_formats;
    for (const Segment& sub : in.seg.block) {
        SegmentReader s(sub);
        const std::string& n = s.name().text;
        if (n == "gzip") {
            s.no_block();
            s.expect_args(0, 1);
            add_format(s.name(), block_formats);
            if (s.size() == 1) spec.gzip_level = parse_int(s[0], "gzip level", 1, 9);
        } else if (n == "zstd") {
            add_format(s.name(), block_formats);
            zstd_options(s, spec);
        } else if (n == "br") {
            s.no_block();
            s.expect_args(0, 2);
            add_format(s.name(), block_formats);
            if (s.size() >= 1) spec.br_quality = parse_int(s[0], "br quality", 0, 11);
            if (s.size() == 2) spec.br_window = parse_int(s[1], "br window (lgwin)", 10, 24);
        } else if (n == "minimum_length") {
            s.no_block();
            s.expect_args(1, 1);
            spec.minimum_length = static_cast<uint64_t>(parse_int(s[0], n, 0));
        } else if (n == "match") {
            if (spec.match) fail(s.name(), "encode: match is given twice");
            spec.match = response_matcher(s, sub);
        } else {
            unknown_subdirective(sub, "encode");
        }
    }
    spec.formats = block_formats;
    for (size_t i = 0; i < in.args.size(); ++i) add_format(in.args[i], spec.formats);
    if (spec.formats.empty()) spec.formats = {"zstd", "gzip"};
    return spec;
}

}  // namespace caddyfile::directives
