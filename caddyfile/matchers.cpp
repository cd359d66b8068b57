#include "caddyfile/matchers.h"

#include <algorithm>
#include <set>

#include "caddyfile/expression.h"
#include "caddyfile/segment_reader.h"

namespace caddyfile {

namespace {

const std::set<std::string> kUnsupported = {"tls"};

std::string upper(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return s;
}

// The expression is parsed now, so an unsupported form is refused at its file:line; the text is
// kept as written (what `pogo adapt` shows and the runtime compiles again).
void parse_expression(const Token& at, const std::string& text, MatcherSet& set) {
    try {
        cel::parse(text);
    } catch (const cel::ExpressionError& e) {
        fail(at, e.what());
    }
    set.expression = set.expression.empty() ? text : "(" + set.expression + ") && (" + text + ")";
}

void parse_file_condition(const Segment& seg, MatcherSet& set) {
    SegmentReader r(seg);
    FileCondition f;
    f.try_files = r.texts();
    for (const Segment& sub : seg.block) {
        SegmentReader s(sub);
        const std::string& n = s.name().text;
        s.no_block();
        if (n == "root") {
            s.expect_args(1, 1);
            f.root = s.text(0);
        } else if (n == "try_files") {
            s.expect_args(1, 64);
            f.try_files = s.texts();
        } else if (n == "try_policy") {
            s.expect_args(1, 1);
            const std::string& p = s.text(0);
            if (!is_try_policy(p))
                fail(s[0], "file try_policy: unknown policy " + quoted(p));
            f.try_policy = p;
        } else if (n == "split_path") {
            s.expect_args(1, 64);
            f.split_path = s.texts();
        } else {
            unknown_subdirective(sub, "file matcher");
        }
    }
    if (f.try_files.empty()) f.try_files = {"{path}"};
    set.file = std::move(f);
}

void parse_condition(const Segment& seg, MatcherSet& set);

void parse_not(const Segment& seg, MatcherSet& set) {
    MatcherSet inner;
    inner.where = {seg.name().file, seg.name().line};
    if (seg.has_block) {
        if (seg.tokens.size() > 1) fail(seg.tokens[1], "not: write its matchers either on its line or in its block");
        for (const Segment& sub : seg.block) parse_condition(sub, inner);
    } else {
        if (seg.tokens.size() < 2) fail(seg.name(), "missing argument for \"not\"");
        Segment line;
        line.tokens.assign(seg.tokens.begin() + 1, seg.tokens.end());
        parse_condition(line, inner);
    }
    set.nots.push_back(std::move(inner));
}

void parse_condition(const Segment& seg, MatcherSet& set) {
    SegmentReader r(seg);
    const std::string& n = r.name().text;
    if (n == "not") return parse_not(seg, set);
    if (n == "file") return parse_file_condition(seg, set);
    r.no_block();
    if (n == "path") {
        r.expect_args(1, 1024);
        for (const std::string& p : r.texts()) set.paths.push_back(p);
    } else if (n == "path_regexp") {
        r.expect_args(1, 2);
        set.path_regexps.emplace_back(r.size() == 2 ? r.text(0) : std::string(), r.text(r.size() - 1));
    } else if (n == "method") {
        r.expect_args(1, 64);
        for (const std::string& m : r.texts()) set.methods.push_back(upper(m));
    } else if (n == "host") {
        r.expect_args(1, 1024);
        for (const std::string& h : r.texts()) set.hosts.push_back(h);
    } else if (n == "header") {
        r.expect_args(1, 64);
        set.headers.emplace_back(r.text(0), r.texts(1));
    } else if (n == "header_regexp") {
        r.expect_args(2, 3);
        std::string name = r.size() == 3 ? r.text(0) : std::string();
        set.header_regexps.push_back({name, {r.text(r.size() - 2), r.text(r.size() - 1)}});
    } else if (n == "query") {
        r.expect_args(1, 64);
        for (const std::string& q : r.texts()) {
            size_t eq = q.find('=');
            set.query.emplace_back(q.substr(0, eq), eq == std::string::npos ? std::string("*") : q.substr(eq + 1));
        }
    } else if (n == "remote_ip") {
        r.expect_args(1, 1024);
        for (const std::string& ip : r.texts()) {
            if (ip == "forwarded") fail(seg.name(), "remote_ip forwarded is not supported");
            set.remote_ips.push_back(ip);
        }
    } else if (n == "client_ip") {  // the client behind trusted proxies (servers { trusted_proxies })
        r.expect_args(1, 1024);
        for (const std::string& ip : r.texts()) set.client_ips.push_back(ip);
    } else if (n == "protocol") {
        r.expect_args(1, 1);
        set.protocols.push_back(r.text(0));
    } else if (n == "vars") {
        r.expect_args(2, 1024);
        auto it = std::find_if(set.vars.begin(), set.vars.end(), [&](const auto& v) { return v.first == r.text(0); });
        if (it == set.vars.end()) it = set.vars.insert(set.vars.end(), {r.text(0), {}});
        for (const std::string& v : r.texts(1)) it->second.push_back(v);
    } else if (n == "vars_regexp") {
        r.expect_args(2, 3);
        std::string name = r.size() == 3 ? r.text(0) : std::string();
        set.vars_regexps.push_back({name, {r.text(r.size() - 2), r.text(r.size() - 1)}});
    } else if (n == "expression") {
        r.expect_args(1, 1024);
        std::string text = r.size() == 1 ? r.text(0) : std::string();
        for (size_t i = 0; r.size() > 1 && i < r.size(); ++i) {  // rejoin as written, quotes included
            std::string part = r[i].quote == Quote::double_quote ? "\"" + r.text(i) + "\"" : r.text(i);
            text += (text.empty() ? "" : " ") + part;
        }
        parse_expression(r[0], text, set);
    } else if (n == "map") {
        fail(seg.name(), "matcher \"map\" does not exist: map is a directive (not supported by Pogo); match its output with vars");
    } else if (kUnsupported.count(n)) {
        fail(seg.name(), "matcher " + quoted(n) + " is not supported by Pogo");
    } else {
        fail(seg.name(), "unrecognized matcher " + quoted(n));
    }
}

}  // namespace

bool is_matcher_definition(const Segment& seg) {
    return !seg.name().quoted() && !seg.name().text.empty() && seg.name().text[0] == '@';
}

NamedMatcher parse_named_matcher(const Segment& seg) {
    NamedMatcher m;
    m.name = seg.name().text.substr(1);
    m.set.where = {seg.name().file, seg.name().line};
    if (m.name.empty()) fail(seg.name(), "a matcher needs a name after '@'");
    if (seg.has_block) {
        if (seg.tokens.size() > 1)
            fail(seg.tokens[1], "matcher @" + m.name + ": write its matchers either on its line or in its block");
        for (const Segment& sub : seg.block) parse_condition(sub, m.set);
        return m;
    }
    if (seg.tokens.size() < 2) fail(seg.name(), "matcher @" + m.name + " has no matchers");
    if (seg.tokens.size() == 2 && seg.tokens[1].quoted()) {  // `@name "expression"`
        parse_expression(seg.tokens[1], seg.tokens[1].text, m.set);
        return m;
    }
    Segment line;
    line.tokens.assign(seg.tokens.begin() + 1, seg.tokens.end());
    parse_condition(line, m.set);
    return m;
}

std::optional<MatchSpec> inline_matcher(const Segment& seg, const std::vector<NamedMatcher>& known) {
    if (seg.tokens.size() < 2) return std::nullopt;
    const Token& t = seg.tokens[1];
    const std::string& s = t.text;
    if (s == "*") return MatchSpec{MatchSpec::Kind::all, {}};
    if (!s.empty() && s[0] == '/') return MatchSpec{MatchSpec::Kind::path, s};
    if (s.size() > 2 && s[0] == '*' && s[1] == '.') return MatchSpec{MatchSpec::Kind::path, s};
    if (s.size() > 1 && s[0] == '@') {
        std::string name = s.substr(1);
        bool defined = std::any_of(known.begin(), known.end(), [&](const NamedMatcher& m) { return m.name == name; });
        if (!defined) fail(t, "undefined matcher " + quoted(s) + ": define it in this site with \"" + s + " { ... }\"");
        return MatchSpec{MatchSpec::Kind::named, name};
    }
    return std::nullopt;
}

}  // namespace caddyfile
