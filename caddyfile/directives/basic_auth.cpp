// basic_auth [matcher] [bcrypt [realm]] { user hash }. Hashes are bcrypt, written as is or
// base64-encoded (older Caddy versions required the latter).
#include <string_view>

#include "caddyfile/base64.h"
#include "caddyfile/directives/directives.h"

namespace caddyfile::directives {

namespace {

bool is_bcrypt(std::string_view h) {
    return h.size() == 60 && (h.substr(0, 4) == "$2a$" || h.substr(0, 4) == "$2b$" || h.substr(0, 4) == "$2y$") &&
           h[6] == '$';
}

}  // namespace

HandlerSpec basic_auth(DirectiveInput& in) {
    in.args.expect_args(0, 2);
    BasicAuthSpec spec;
    if (in.args.size() >= 1) {
        spec.hash = in.args.text(0);
        if (spec.hash != "bcrypt")
            fail(in.args[0], "basic_auth: hash algorithm " + quoted(spec.hash) + " is not supported (use bcrypt)");
    }
    if (in.args.size() == 2) spec.realm = in.args.text(1);
    for (const Segment& sub : in.seg.block) {
        SegmentReader s(sub);
        s.no_block();
        s.expect_args(1, 1);
        std::string hash = s.text(0);
        if (!is_bcrypt(hash)) {
            std::string decoded = base64_decode(hash);
            if (!is_bcrypt(decoded))
                fail(s[0], "basic_auth: the password of " + quoted(s.name().text) + " is not a bcrypt hash");
            hash = decoded;
        }
        spec.accounts.emplace_back(s.name().text, hash);
    }
    if (spec.accounts.empty()) fail(in.seg.name(), "basic_auth needs at least one account in its block: USER HASH");
    return spec;
}

}  // namespace caddyfile::directives
