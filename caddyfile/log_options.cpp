#include <set>

#include "caddyfile/global_options.h"
#include "caddyfile/log_filters.h"
#include "caddyfile/segment_reader.h"

namespace caddyfile {

namespace {

const std::set<std::string> kLevels = {"DEBUG", "INFO", "WARN", "ERROR", "PANIC", "FATAL"};

// Caddy's size (humanize) rounded up to whole MiB, and keep_for rounded up to whole days.
void parse_roll(const Segment& file, LogRoll& roll) {
    for (const Segment& sub : file.block) {
        SegmentReader s(sub);
        const std::string& n = s.name().text;
        s.no_block();
        if (n == "roll_disabled" || n == "roll_local_time" || n == "roll_uncompressed") {
            s.expect_args(0, 0);
            if (n == "roll_disabled") roll.enabled = false;
            else if (n == "roll_local_time") roll.local_time = true;
            else roll.gzip = false;
        } else if (n == "roll_size") {
            s.expect_args(1, 1);
            uint64_t bytes = parse_size(s[0], n);
            if (bytes == 0) fail(s[0], "roll_size must be more than 0");
            uint64_t mb = (bytes + (1u << 20) - 1) >> 20;
            if (mb > 1u << 30) fail(s[0], "roll_size is too large: " + s.text(0));
            roll.size_mb = int(mb);
        } else if (n == "roll_keep") {
            s.expect_args(1, 1);
            roll.keep = parse_int(s[0], n, 0);
            if (roll.keep == 0) roll.keep = LogRoll{}.keep;  // Caddy: 0 means its default
        } else if (n == "roll_keep_for") {
            s.expect_args(1, 1);
            Duration d = parse_duration(s[0], n);
            if (d < Duration::zero()) fail(s[0], "roll_keep_for must not be negative, got " + s.text(0));
            auto hours = std::chrono::duration_cast<std::chrono::hours>(d + std::chrono::hours(24) - Duration(1)).count();
            if (hours / 24 > 1 << 30) fail(s[0], "roll_keep_for is too long: " + s.text(0));
            roll.keep_days = int(hours / 24);
            if (roll.keep_days == 0) roll.keep_days = LogRoll{}.keep_days;  // Caddy: 0 means its default
        } else if (n == "mode" || n == "dir_mode" || n == "roll_interval" || n == "roll_minutes" || n == "roll_at" ||
                   n == "roll_compression" || n == "backup_time_format") {
            fail(s.name(), "log output file: " + n + " is not supported by Pogo");
        } else {
            unknown_subdirective(sub, "log output file");
        }
    }
}

void parse_output(const Segment& sub, LogConfig& out) {
    SegmentReader s(sub);
    s.expect_args(1, 2);
    const std::string& kind = s.text(0);
    if (kind == "stderr" || kind == "stdout" || kind == "discard") {
        s.expect_args(1, 1);
        s.no_block();
    } else if (kind == "file") {
        s.expect_args(2, 2);
        out.file = s.text(1);
        parse_roll(sub, out.roll);
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
        parse_filter_encoder(sub, out);
    } else {
        fail(s[0], "log format: expected json, console or filter, got " + quoted(kind));
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
            parse_output(sub, out);
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
