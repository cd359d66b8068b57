// Response handling: intercept [matcher] { @name { status ...; header Field [value] }
// replace_status [@name] code; handle_response [@name] { directives } }, the same sub-directives
// inside reverse_proxy's block, and the two directives only reverse_proxy's handle_response routes
// may use: copy_response [matcher] [status] { status } and copy_response_headers [matcher]
// { include ...; exclude ... }. The response matchers are encode's `match` too.
#include <algorithm>

#include "caddyfile/directives/directives.h"

namespace caddyfile::directives {

namespace {

// One `status` or `header` condition of a response matcher, from tokens[at...].
void response_condition(const std::vector<Token>& tokens, size_t at, ResponseMatcherSpec& m, const std::string& context) {
    const Token& what = tokens[at];
    size_t nargs = tokens.size() - at - 1;
    if (what.text == "status") {
        if (nargs == 0) fail(what, context + ": status needs at least one code");
        for (size_t i = at + 1; i < tokens.size(); ++i) {
            const std::string& c = tokens[i].text;
            if (c.size() == 3 && c[0] >= '1' && c[0] <= '5' && c.substr(1) == "xx") {
                m.status_codes.push_back(c[0] - '0');
                continue;
            }
            int code = parse_int(tokens[i], context + " status", 1, 599);
            if (code > 5 && code < 100) fail(tokens[i], context + ": bad status " + quoted(c) + " (expected 2xx, 2 or 200)");
            m.status_codes.push_back(code);
        }
    } else if (what.text == "header") {
        if (nargs == 0) fail(what, context + ": header needs a field");
        std::string field = tokens[at + 1].text;
        if (field == "!") fail(tokens[at + 1], context + ": header needs a field name after !");
        std::vector<std::string> values;
        for (size_t i = at + 2; i < tokens.size(); ++i) values.push_back(tokens[i].text);
        if (field.starts_with("!") && !values.empty())
            fail(tokens[at + 2], context + ": a header that must be absent (" + field + ") takes no value");
        // Several lines for one field: any of their values (Caddy merges them the same way).
        auto same = std::find_if(m.headers.begin(), m.headers.end(), [&](const auto& h) { return h.first == field; });
        if (same == m.headers.end()) m.headers.emplace_back(field, std::move(values));
        else if (!same->second.empty() && !values.empty()) same->second.insert(same->second.end(), values.begin(), values.end());
        else same->second.clear();  // one line asks only that it exists
    } else {
        fail(what, context + ": unknown response matcher " + quoted(what.text) + " (expected status or header)");
    }
}

// `@name` or nothing: the response matcher an entry names, which must be defined in the block.
std::string entry_matcher(const Token& t, const ResponseHandling& h, const std::string& context) {
    if (!t.text.starts_with("@") || t.text.size() == 1)
        fail(t, context + ": expected a named response matcher starting with '@', got " + quoted(t.text));
    std::string name = t.text.substr(1);
    bool known = std::any_of(h.matchers.begin(), h.matchers.end(), [&](const auto& m) { return m.first == name; });
    if (!known) fail(t, context + ": no response matcher named " + quoted(t.text) + " is defined in this block");
    return name;
}

}  // namespace

ResponseMatcherSpec response_matcher(const Segment& seg, const std::string& context) {
    ResponseMatcherSpec m;
    if (seg.arg_count() > 0) response_condition(seg.tokens, 1, m, context);
    for (const Segment& sub : seg.block) {
        if (sub.has_block) fail(sub.open, context + ": " + quoted(sub.name().text) + " does not take a block");
        response_condition(sub.tokens, 0, m, context);
    }
    if (seg.arg_count() == 0 && seg.block.empty()) fail(seg.name(), context + ": expected status or header conditions");
    return m;
}

bool is_response_handling(const std::string& name) {
    return name.starts_with("@") || name == "handle_response" || name == "replace_status";
}

ResponseHandling parse_response_handling(DirectiveInput& in, const std::string& directive) {
    ResponseHandling out;
    // The matchers first: an entry may name one defined further down.
    for (const Segment& sub : in.seg.block) {
        const std::string& n = sub.name().text;
        if (!n.starts_with("@")) continue;
        if (n.size() == 1) fail(sub.name(), directive + ": a response matcher needs a name after '@'");
        std::string name = n.substr(1);
        if (std::any_of(out.matchers.begin(), out.matchers.end(), [&](const auto& m) { return m.first == name; }))
            fail(sub.name(), directive + ": response matcher " + n + " is defined twice");
        out.matchers.emplace_back(name, response_matcher(sub, directive + " " + n));
    }
    std::vector<ResponseRoute> replaces, handles;
    for (const Segment& sub : in.seg.block) {
        SegmentReader s(sub);
        const std::string& n = s.name().text;
        ResponseRoute r;
        r.where = {s.name().file, s.name().line};
        if (n == "replace_status") {
            if (s.has_block())
                fail(sub.open, directive + " replace_status: takes no routes (use handle_response for those)");
            s.expect_args(1, 2);
            if (s.size() == 2) r.matcher = entry_matcher(s[0], out, directive + " replace_status");
            r.replace_status = parse_status(s[s.size() - 1], directive + " replace_status");
            replaces.push_back(std::move(r));
        } else if (n == "handle_response") {
            if (s.size() > 1)
                fail(s[1], directive + " handle_response: takes at most one argument, a named response matcher");
            if (s.size() == 1) r.matcher = entry_matcher(s[0], out, directive + " handle_response");
            HandlerBlock b = build_handlers(sub.block, in.matchers, in.ctx, false);
            r.matchers = std::move(b.matchers);
            r.handlers = std::move(b.handlers);
            handles.push_back(std::move(r));
        }
    }
    // As Caddy: replace_status entries were read before the handle_response blocks; an entry
    // without a matcher goes after every entry with one.
    for (auto* list : {&replaces, &handles})
        for (auto& r : *list) out.routes.push_back(std::move(r));
    std::stable_partition(out.routes.begin(), out.routes.end(), [](const ResponseRoute& r) { return !r.matcher.empty(); });
    return out;
}

HandlerSpec intercept(DirectiveInput& in) {
    in.args.expect_args(0, 0);
    for (const Segment& sub : in.seg.block)
        if (!is_response_handling(sub.name().text)) unknown_subdirective(sub, "intercept");
    InterceptSpec spec;
    spec.responses = parse_response_handling(in, "intercept");
    if (spec.responses.empty())
        fail(in.seg.name(), "intercept: expected handle_response or replace_status in its block");
    return spec;
}

HandlerSpec copy_response(DirectiveInput& in) {
    in.args.expect_args(0, 1);
    CopyResponseSpec spec;
    if (in.args.size() == 1) spec.status = parse_status(in.args[0], "copy_response");
    for (const Segment& sub : in.seg.block) {
        SegmentReader s(sub);
        s.no_block();
        if (s.name().text != "status") unknown_subdirective(sub, "copy_response");
        s.expect_args(1, 1);
        spec.status = parse_status(s[0], "copy_response status");
    }
    return spec;
}

HandlerSpec copy_response_headers(DirectiveInput& in) {
    in.args.expect_args(0, 0);
    CopyResponseHeadersSpec spec;
    for (const Segment& sub : in.seg.block) {
        SegmentReader s(sub);
        s.no_block();
        const std::string& n = s.name().text;
        if (n != "include" && n != "exclude") unknown_subdirective(sub, "copy_response_headers");
        s.expect_args(1, 1024);
        auto& list = n == "include" ? spec.include : spec.exclude;
        for (size_t i = 0; i < s.size(); ++i) list.push_back(s.text(i));
    }
    if (!spec.include.empty() && !spec.exclude.empty())
        fail(in.seg.name(), "copy_response_headers: include and exclude cannot be given together");
    return spec;
}

}  // namespace caddyfile::directives
