// encode [matcher] [formats...] { gzip [level]; zstd; br; minimum_length N }
#include <algorithm>

#include "caddyfile/directives/directives.h"

namespace caddyfile::directives {

namespace {

void add_format(const Token& t, EncodeSpec& spec, const DirectiveContext& ctx) {
    const std::string& f = t.text;
    if (f == "br") ctx.build.warn(t, "encode br: Pogo does not compress with brotli; zstd and gzip are used");
    else if (f != "gzip" && f != "zstd") fail(t, "encode: unknown format " + quoted(f) + " (expected gzip, zstd or br)");
    if (std::find(spec.formats.begin(), spec.formats.end(), f) == spec.formats.end()) spec.formats.push_back(f);
}

}  // namespace

HandlerSpec encode(DirectiveInput& in) {
    EncodeSpec spec;
    for (size_t i = 0; i < in.args.size(); ++i) add_format(in.args[i], spec, in.ctx);
    for (const Segment& sub : in.seg.block) {
        SegmentReader s(sub);
        const std::string& n = s.name().text;
        if (n == "gzip" || n == "zstd" || n == "br") {
            s.no_block();
            s.expect_args(0, 1);
            add_format(s.name(), spec, in.ctx);
            if (n == "gzip" && s.size() == 1) spec.gzip_level = parse_int(s[0], "gzip level", 1, 9);
        } else if (n == "minimum_length") {
            s.no_block();
            s.expect_args(1, 1);
            spec.minimum_length = static_cast<uint64_t>(parse_int(s[0], n, 0));
        } else if (n == "match") {
            fail(s.name(), "encode: response matchers (match) are not supported by Pogo");
        } else {
            unknown_subdirective(sub, "encode");
        }
    }
    if (spec.formats.empty()) spec.formats = {"zstd", "gzip"};
    return spec;
}

}  // namespace caddyfile::directives
