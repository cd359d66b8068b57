// vulcain [matcher] { max_pushes N; early_hints [bool]; openapi_file PATH (refused) }
#include "caddyfile/directives/directives.h"

namespace caddyfile::directives {

namespace {

// Go's strconv.ParseBool, which Caddy's module uses.
bool parse_go_bool(const Token& t, const std::string& what) {
    const std::string& v = t.text;
    if (v == "1" || v == "t" || v == "T" || v == "true" || v == "TRUE" || v == "True") return true;
    if (v == "0" || v == "f" || v == "F" || v == "false" || v == "FALSE" || v == "False") return false;
    fail(t, what + ": expected true or false, got " + quoted(v));
}

}  // namespace

HandlerSpec vulcain(DirectiveInput& in) {
    VulcainSpec spec;
    in.args.expect_args(0, 0);
    for (const Segment& sub : in.seg.block) {
        SegmentReader s(sub);
        const std::string& n = s.name().text;
        if (n == "max_pushes") {
            s.no_block();
            s.expect_args(1, 1);
            spec.max_pushes = parse_int(s[0], "vulcain max_pushes", -1);
        } else if (n == "early_hints") {
            s.no_block();
            s.expect_args(0, 1);
            spec.early_hints = s.empty() || parse_go_bool(s[0], "vulcain early_hints");
        } else if (n == "openapi_file") {
            fail(s.name(), "vulcain: openapi_file (relations described by OpenAPI) is not supported by Pogo; "
                           "only hypermedia documents whose relations are URLs");
        } else {
            unknown_subdirective(sub, "vulcain");
        }
    }
    return spec;
}

}  // namespace caddyfile::directives
