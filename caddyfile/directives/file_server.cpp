// file_server [matcher] [browse] { root hide hide_defaults index browse precompressed status
// pass_thru disable_canonical_uris }
#include "caddyfile/directives/directives.h"

namespace caddyfile::directives {

HandlerSpec file_server(DirectiveInput& in) {
    in.args.expect_args(0, 1);
    FileServerSpec spec;
    if (in.args.size() == 1) {
        if (in.args.text(0) != "browse")
            fail(in.args[0], "file_server: expected \"browse\" or nothing, got " + quoted(in.args.text(0)));
        spec.browse = true;
    }
    for (const Segment& sub : in.seg.block) {
        SegmentReader s(sub);
        const std::string& n = s.name().text;
        if (n != "browse") s.no_block();
        if (n == "root") {
            s.expect_args(1, 1);
            spec.root = s.text(0);
        } else if (n == "hide") {
            s.expect_args(1, 1024);
            spec.hide = s.texts();
        } else if (n == "hide_defaults") {
            // Pogo's own: the built-in hide list (server/hidden_paths.h) is on unless turned off.
            s.expect_args(1, 1);
            if (s.text(0) != "on" && s.text(0) != "off")
                fail(s[0], "file_server hide_defaults: expected \"on\" or \"off\", got " + quoted(s.text(0)));
            spec.hide_defaults = s.text(0) == "on";
        } else if (n == "index") {
            s.expect_args(1, 64);
            spec.index = s.texts();
        } else if (n == "browse") {
            if (s.has_block() || s.size() > 0) in.ctx.build.warn(s.name(), "file_server browse templates and options have no effect in Pogo");
            spec.browse = true;
        } else if (n == "precompressed") {
            spec.precompressed = s.empty() ? std::vector<std::string>{"br", "zstd", "gzip"} : s.texts();
            for (size_t i = 0; i < s.size(); ++i)
                if (s.text(i) != "br" && s.text(i) != "zstd" && s.text(i) != "gzip")
                    fail(s[i], "file_server precompressed: unknown format " + quoted(s.text(i)));
        } else if (n == "status") {
            s.expect_args(1, 1);
            spec.status = parse_status(s[0], "status");
        } else if (n == "pass_thru") {
            s.expect_args(0, 0);
            spec.pass_thru = true;
        } else if (n == "disable_canonical_uris") {
            s.expect_args(0, 0);
            spec.canonical_uris = false;
        } else {
            unknown_subdirective(sub, "file_server");
        }
    }
    return spec;
}

}  // namespace caddyfile::directives
