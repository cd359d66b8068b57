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
            spec.match = response_matcher(sub, "encode match");
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
