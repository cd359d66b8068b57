#include <set>

#include "caddyfile/global_options.h"
#include "caddyfile/segment_reader.h"

namespace caddyfile {

namespace {

const std::set<std::string> kLevels = {"DEBUG", "INFO", "WARN", "ERROR", "PANIC", "FATAL"};

void parse_output(const Segment& sub, LogConfig& out, const BuildContext& ctx) {
    SegmentReader s(sub);
    s.expect_args(1, 2);
    const std::string& kind = s.text(0);
    if (kind == "stderr" || kind == "stdout" || kind == "discard") {
        s.expect_args(1, 1);
        s.no_block();
    } else if (kind == "file") {
        s.expect_args(2, 2);
        out.file = s.text(1);
        if (s.has_block()) ctx.warn(sub.open, "log file rolling options have no effect in Pogo");
    } else {
        fail(s[0], "log output: expected stderr, stdout, discard or file, got " + quoted(kind));
    }
    out.output = kind;
}

void parse_format(const Segment& sub, LogConfig& out, const BuildContext& ctx) {
    SegmentReader s(sub);
    s.expect_args(1, 1);
    const std::string& kind = s.text(0);
    if (kind == "json" || kind == "console") {
        if (s.has_block()) ctx.warn(sub.open, "log format options have no effect in Pogo");
        out.format = kind;
    } else if (kind == "filter") {
        // Field filters (redaction) are not implemented: keep the wrapped encoder, say so.
        ctx.warn(s[0], "log format filter: field filters have no effect in Pogo; the wrapped format is used");
        for (const Segment& f : sub.block)
            if (f.name().text == "wrap" && f.tokens.size() >= 2) out.format = f.tokens[1].text;
        if (!out.format.empty() && out.format != "json" && out.format != "console")
            fail(s[0], "log format filter: wrap expected json or console, got " + quoted(out.format));
    } else {
        fail(s[0], "log format: expected json or console, got " + quoted(kind));
    }
}

}  // namespace

LogConfig parse_log(const Segment& seg, bool site, const BuildContext& ctx) {
    SegmentReader r(seg);
    r.expect_args(0, 1);
    LogConfig out;
    out.where = {seg.name().file, seg.name().line};
    if (r.size() == 1) out.name = r.text(0);
    for (const Segment& sub : seg.block) {
        SegmentReader s(sub);
        const std::string& n = s.name().text;
        if (n == "output") {
            parse_output(sub, out, ctx);
        } else if (n == "format") {
            parse_format(sub, out, ctx);
        } else if (n == "level") {
            s.expect_args(1, 1);
            std::string level;
            for (char c : s.text(0)) level += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            if (level == "WARNING") level = "WARN";
            if (!kLevels.count(level))
                fail(s[0], "log level: expected DEBUG, INFO, WARN, ERROR, PANIC or FATAL, got " + quoted(s.text(0)));
            out.level = level;
        } else if (!site && (n == "include" || n == "exclude")) {
            s.expect_args(1, 64);
            (n == "include" ? out.include : out.exclude) = s.texts();
        } else if (site && (n == "hostnames" || n == "no_hostname")) {
            ctx.warn(sub.name(), "log " + n + " has no effect in Pogo");
        } else {
            unknown_subdirective(sub, "log");
        }
    }
    return out;
}

}  // namespace caddyfile
