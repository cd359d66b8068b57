// header [matcher] [[+|-|?|>]field [value|find] [replace]] { ...same per line...; defer }
// request_header [matcher] [+|-]field [value|find] [replace]   (one operation, as Caddy's)
#include "caddyfile/directives/directives.h"

namespace caddyfile::directives {

void add_header_op(const std::vector<Token>& t, HeaderSpec& spec, bool request) {
    std::string field = t[0].text;
    HeaderOp op;
    char prefix = field.empty() ? '\0' : field[0];
    if (prefix == '+' || prefix == '-' || prefix == '?' || prefix == '>') field.erase(0, 1);
    if (field.empty()) fail(t[0], "header: missing field name");
    op.field = field;
    auto need = [&](size_t min, size_t max) {
        if (t.size() < min) fail(t[0], "header " + t[0].text + ": missing value");
        if (t.size() > max) fail(t[max], "header " + t[0].text + ": too many arguments");
    };
    switch (prefix) {
        case '-':
            need(1, 1);
            op.op = HeaderOp::Op::remove;
            spec.defer = true;  // removing must see headers the handlers set
            break;
        case '+':
            need(2, 2);
            op.op = HeaderOp::Op::add;
            op.value = t[1].text;
            break;
        case '?':
            if (request)
                fail(t[0], "request_header " + t[0].text +
                               ": the default header modifier ('?') can only be used on response headers; "
                               "for conditional manipulation of request headers, use matchers");
            need(2, 2);
            op.op = HeaderOp::Op::set_default;
            op.value = t[1].text;
            break;
        default:
            if (prefix == '>' && !request) spec.defer = true;
            need(request ? 1 : 2, 3);
            op.op = t.size() == 3 ? HeaderOp::Op::replace : HeaderOp::Op::set;
            if (t.size() > 1) op.value = t[1].text;
            if (t.size() == 3) op.replacement = t[2].text;
    }
    spec.ops.push_back(std::move(op));
}

HandlerSpec header(DirectiveInput& in) {
    HeaderSpec spec;
    if (!in.args.empty()) {
        std::vector<Token> line;
        for (size_t i = 0; i < in.args.size(); ++i) line.push_back(in.args[i]);
        add_header_op(line, spec, false);
    }
    for (const Segment& sub : in.seg.block) {
        if (sub.has_block) fail(sub.open, "header: a header line does not take a block");
        if (sub.name().is("defer") && sub.tokens.size() == 1) {
            spec.defer = true;
            continue;
        }
        if (sub.name().is("match")) fail(sub.name(), "header: response matchers (match) are not supported by Pogo");
        add_header_op(sub.tokens, spec, false);
    }
    if (spec.ops.empty()) fail(in.seg.name(), "missing argument for \"header\"");
    return spec;
}

HandlerSpec request_header(DirectiveInput& in) {
    in.args.no_block();
    if (in.args.size() == 0) fail(in.seg.name(), "missing argument for \"request_header\"");
    std::vector<Token> line;
    for (size_t i = 0; i < in.args.size(); ++i) line.push_back(in.args[i]);
    HeaderSpec spec;
    add_header_op(line, spec, true);
    spec.defer = false;  // a request's headers are changed at once
    return spec;
}

}  // namespace caddyfile::directives
