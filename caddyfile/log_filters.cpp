#include "caddyfile/log_filters.h"

#include <regex>

#include "caddyfile/segment_reader.h"

namespace caddyfile {

namespace {

const char* kFilters = "delete, replace, hash, ip_mask, query, cookie, set_cookie or regexp";

// `replace NAME VALUE`, `delete NAME`, `hash NAME` lines of a query or cookie filter.
std::vector<LogFilterAction> parse_actions(const Segment& seg, const std::string& what) {
    std::vector<LogFilterAction> actions;
    for (const Segment& a : seg.block) {
        SegmentReader r(a);
        const std::string& type = r.name().text;
        if (type == "replace") {
            r.expect_args(2, 2);
            actions.push_back({type, r.text(0), r.text(1)});
        } else if (type == "delete" || type == "hash") {
            r.expect_args(1, 1);
            actions.push_back({type, r.text(0), ""});
        } else {
            fail(r.name(), what + ": unknown action " + quoted(type) + ", expected replace, delete or hash");
        }
        r.no_block();
    }
    if (actions.empty()) fail(seg.name(), what + ": expected at least one replace, delete or hash action");
    return actions;
}

int parse_mask(const Token& t, const std::string& what, int bits) {
    return parse_int(t, what, 0, bits);
}

void parse_ip_mask(const Segment& seg, const SegmentReader& r, LogFieldFilter& f) {
    // `ip_mask [V4 [V6]] { ipv4 N; ipv6 N }`, the block's values winning as in Caddy.
    r.expect_args(1, 3);
    const std::string what = "ip_mask for " + f.field;
    if (r.size() >= 2) f.ipv4_cidr = parse_mask(r[1], what + " (IPv4 prefix length)", 32);
    if (r.size() >= 3) f.ipv6_cidr = parse_mask(r[2], what + " (IPv6 prefix length)", 128);
    for (const Segment& sub : seg.block) {
        SegmentReader s(sub);
        const std::string& n = s.name().text;
        s.expect_args(1, 1);
        s.no_block();
        if (n == "ipv4") f.ipv4_cidr = parse_mask(s[0], what + " ipv4", 32);
        else if (n == "ipv6") f.ipv6_cidr = parse_mask(s[0], what + " ipv6", 128);
        else unknown_subdirective(sub, "ip_mask");
    }
    if (f.ipv4_cidr == 0 && f.ipv6_cidr == 0) fail(r[0], what + ": expected an ipv4 or ipv6 prefix length");
}

// One `PATH FILTER [args] [{ }]` line.
void parse_field(const Segment& seg, LogConfig& out) {
    SegmentReader r(seg);  // r.name() is the path, r[0] the filter's name
    if (r.empty()) fail(seg.name(), "log format filter: field " + quoted(r.name().text) + " needs a filter: " + kFilters);
    LogFieldFilter f;
    f.field = r.name().text;
    f.filter = r.text(0);
    f.where = {r[0].file, r[0].line};
    if (f.field.empty() || f.field.front() == '>' || f.field.back() == '>' || f.field.find(">>") != std::string::npos)
        fail(r.name(), "log format filter: bad field path " + quoted(f.field) + " (keys separated by >)");
    const std::string what = f.filter + " for " + f.field;
    if (f.filter == "delete" || f.filter == "hash") {
        r.expect_args(1, 1);
        r.no_block();
    } else if (f.filter == "replace") {
        r.expect_args(2, 2);  // Caddy allows no value (an empty string); a redaction wants one
        r.no_block();
        f.value = r.text(1);
    } else if (f.filter == "ip_mask") {
        parse_ip_mask(seg, r, f);
    } else if (f.filter == "query" || f.filter == "cookie" || f.filter == "set_cookie") {
        r.expect_args(1, 1);
        f.actions = parse_actions(seg, what);
    } else if (f.filter == "regexp") {
        r.expect_args(3, 3);
        r.no_block();
        try {  // the runtime compiles the same pattern with the same (ECMAScript) grammar
            std::regex check(r.text(1), std::regex::ECMAScript);
        } catch (const std::regex_error& e) {
            fail(r[1], "log format filter: " + what + ": invalid regular expression " + quoted(r.text(1)) + ": " + e.what());
        }
        f.regexps.emplace_back(r.text(1), r.text(2));
    } else {
        fail(r[0], "log format filter: unknown filter " + quoted(f.filter) + " for " + f.field + ", expected " + kFilters);
    }

    // As Caddy: several regexp filters on one field apply in order; any other pair is refused.
    for (LogFieldFilter& prev : out.filters) {
        if (prev.field != f.field) continue;
        if (prev.filter == "regexp" && f.filter == "regexp") {
            prev.regexps.push_back(f.regexps.front());
            return;
        }
        fail(r[0], "log format filter: field " + f.field + " already has a filter (line " +
                       std::to_string(prev.where.line) + "); only regexp filters may be repeated");
    }
    out.filters.push_back(std::move(f));
}

}  // namespace

void parse_filter_encoder(const Segment& format, LogConfig& out) {
    SegmentReader fr(format);
    fr.expect_args(1, 1);
    out.format = "filter";
    out.wrap = "json";
    for (const Segment& sub : format.block) {
        const std::string& n = sub.name().text;
        if (n == "wrap") {
            SegmentReader s(sub);
            s.expect_args(1, 1);
            if (s.has_block()) fail(sub.name(), "log format filter: wrap " + s.text(0) + " options are not supported by Pogo");
            if (s.text(0) != "json" && s.text(0) != "console")
                fail(s[0], "log format filter: wrap expected json or console, got " + quoted(s.text(0)));
            out.wrap = s.text(0);
        } else if (n == "fields") {
            SegmentReader s(sub);
            s.expect_args(0, 0);
            for (const Segment& field : sub.block) parse_field(field, out);
        } else {
            parse_field(sub, out);
        }
    }
}

}  // namespace caddyfile
