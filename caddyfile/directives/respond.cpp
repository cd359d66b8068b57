// respond [matcher] <status>|<body> [<status>] { body; close } and
// error [matcher] <status>|<message> [<status>] { message; status }
#include "caddyfile/directives/directives.h"

namespace caddyfile::directives {

namespace {

// `respond "..." {err.status_code}` (Octane's error page): the status of the error being handled,
// which RespondSpec writes as 0.
bool is_error_status(const Token& t) { return t.text == "{err.status_code}" || t.text == "{http.error.status_code}"; }

}  // namespace

HandlerSpec respond(DirectiveInput& in) {
    in.args.expect_args(0, 2);
    RespondSpec spec;
    if (in.args.size() == 2 && is_error_status(in.args[1])) {
        spec.body = in.args.text(0);
    } else if (in.args.size() == 1) {
        if (looks_like_status(in.args.text(0)) && !in.args[0].quoted())
            spec.status = parse_status(in.args[0], "respond");
        else
            spec.body = in.args.text(0);
    } else if (in.args.size() == 2) {
        spec.body = in.args.text(0);
        spec.status = parse_status(in.args[1], "respond");
    }
    for (const Segment& sub : in.seg.block) {
        SegmentReader s(sub);
        s.no_block();
        if (s.name().text == "body") {
            s.expect_args(1, 1);
            spec.body = s.text(0);
        } else if (s.name().text == "close") {
            s.expect_args(0, 0);
            spec.close = true;
        } else {
            unknown_subdirective(sub, "respond");
        }
    }
    return spec;
}

HandlerSpec error(DirectiveInput& in) {
    in.args.expect_args(in.seg.has_block ? 0 : 1, 2);
    ErrorSpec spec;
    if (in.args.size() == 1) {
        if (looks_like_status(in.args.text(0)))
            spec.status = parse_status(in.args[0], "error");
        else
            spec.message = in.args.text(0);
    } else if (in.args.size() == 2) {
        spec.message = in.args.text(0);
        spec.status = parse_status(in.args[1], "error");
    }
    for (const Segment& sub : in.seg.block) {
        SegmentReader s(sub);
        s.no_block();
        s.expect_args(1, 1);
        if (s.name().text == "message")
            spec.message = s.text(0);
        else if (s.name().text == "status")
            spec.status = parse_status(s[0], "error");
        else
            unknown_subdirective(sub, "error");
    }
    if (spec.status < 400) fail(in.seg.name(), "error: the status must be 400 or more, got " + std::to_string(spec.status));
    return spec;
}

}  // namespace caddyfile::directives
