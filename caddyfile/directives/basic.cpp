// root, vars, request_body, redir, rewrite, method, uri, try_files: one-line directives that set or change things.
#include <cctype>

#include "caddyfile/directives/directives.h"

namespace caddyfile::directives {

HandlerSpec root(DirectiveInput& in) {
    in.args.no_block();
    in.args.expect_args(1, 1);
    return RootSpec{in.args.text(0)};
}

// vars [matcher] [name value] { name value... }
HandlerSpec vars(DirectiveInput& in) {
    VarsSpec spec;
    if (in.args.size() > 0) {
        in.args.expect_args(2, 2);
        spec.vars.emplace_back(in.args.text(0), in.args.text(1));
    }
    for (const Segment& sub : in.seg.block) {
        SegmentReader s(sub);
        s.no_block();
        if (s.size() != 1) fail(s.size() == 0 ? s.name() : s[1], "vars: expected one name and one value per line");
        spec.vars.emplace_back(s.name().text, s.text(0));
    }
    if (spec.vars.empty()) fail(in.seg.name(), "missing argument for \"vars\"");
    return spec;
}

HandlerSpec request_body(DirectiveInput& in) {
    in.args.expect_args(0, 0);
    RequestBodySpec spec;
    for (const Segment& sub : in.seg.block) {
        SegmentReader s(sub);
        s.no_block();
        s.expect_args(1, 1);
        if (s.name().text == "max_size") {
            spec.max_size = parse_size(s[0], "max_size");
        } else if (s.name().text == "buffer") {
            if (s[0].text != "on" && s[0].text != "off")
                fail(s[0], "request_body: buffer must be on or off, got " + s[0].text);
            spec.buffer = s[0].text == "on";
        } else {
            unknown_subdirective(sub, "request_body");
        }
    }
    return spec;
}

HandlerSpec redir(DirectiveInput& in) {
    in.args.no_block();
    in.args.expect_args(1, 2);
    RedirSpec spec{in.args.text(0)};
    if (in.args.size() == 2) {
        const Token& code = in.args[1];
        if (code.text == "permanent") spec.status = 301;
        else if (code.text == "temporary") spec.status = 302;
        else if (code.text == "html") spec.html = true, spec.status = 200;
        else {
            spec.status = parse_status(code, "redir");
            if (spec.status < 300 || spec.status > 399)
                fail(code, "redir: status must be 3xx, permanent, temporary or html, got " + code.text);
        }
    }
    return spec;
}

HandlerSpec rewrite(DirectiveInput& in) {
    in.args.no_block();
    in.args.expect_args(1, 1);
    return RewriteSpec{in.args.text(0)};
}

// method [matcher] METHOD: as Caddy's rewrite of the method, in upper case.
HandlerSpec method(DirectiveInput& in) {
    in.args.no_block();
    in.args.expect_args(1, 1);
    std::string m = in.args.text(0);
    for (char& c : m) {
        if (!std::isalpha(static_cast<unsigned char>(c)) && c != '-' && c != '_')
            fail(in.args[0], "method: invalid method " + quoted(in.args.text(0)));
        c = char(std::toupper(static_cast<unsigned char>(c)));
    }
    return MethodSpec{m};
}

HandlerSpec uri(DirectiveInput& in) {
    in.args.no_block();
    in.args.expect_args(1, 4);
    const std::string& op = in.args.text(0);
    UriSpec spec{op, in.args.texts(1)};
    size_t n = spec.args.size();
    auto need = [&](size_t min, size_t max) {
        if (n < min) fail(in.args[0], "missing argument for \"uri " + op + "\"");
        if (n > max) fail(in.args[max + 1], "too many arguments for \"uri " + op + "\"");
    };
    if (op == "strip_prefix" || op == "strip_suffix") need(1, 1);
    else if (op == "replace") need(2, 3);
    else if (op == "path_regexp") need(2, 2);
    else if (op == "query") need(1, 2);
    else fail(in.args[0], "uri: expected strip_prefix, strip_suffix, replace, path_regexp or query, got " + quoted(op));
    return spec;
}

HandlerSpec try_files(DirectiveInput& in) {
    in.args.expect_args(1, 1024);
    TryFilesSpec spec{in.args.texts()};
    for (const Segment& sub : in.seg.block) {
        SegmentReader s(sub);
        if (s.name().text != "policy") unknown_subdirective(sub, "try_files");
        s.expect_args(1, 1);
        const std::string& p = s.text(0);
        if (!is_try_policy(p))
            fail(s[0], "try_files policy: unknown policy " + quoted(p));
        spec.policy = p;
    }
    return spec;
}

}  // namespace caddyfile::directives
