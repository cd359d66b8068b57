#include <algorithm>

#include "caddyfile/global_options.h"
#include "caddyfile/segment_reader.h"

namespace caddyfile {

bool valid_pool_name(const std::string& n) {
    return !n.empty() && std::all_of(n.begin(), n.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
    });
}

namespace {

struct PoolDraft {
    PogoPool pool;
    const Token* worker = nullptr;  // where `worker` was written
};

// One of worker / num_threads / max_wait; false when `sub` is something else.
bool pool_setting(const Segment& sub, PoolDraft& d) {
    SegmentReader s(sub);
    const std::string& n = s.name().text;
    if (n != "worker" && n != "num_threads" && n != "max_wait") return false;
    s.no_block();
    s.expect_args(1, 1);
    if (n == "worker") {
        d.pool.worker = s.text(0);
        d.worker = &s[0];
    } else if (n == "num_threads") {
        d.pool.num_threads = parse_int(s[0], n, 1);
    } else {
        d.pool.max_wait = parse_duration(s[0], n);
        if (d.pool.max_wait <= Duration(0)) fail(s[0], "\"max_wait\" must be positive");
    }
    return true;
}

}  // namespace

void parse_pogo(const Segment& seg, PogoOptions& out, const BuildContext& ctx) {
    SegmentReader r(seg);
    r.expect_args(0, 0);
    out.present = true;
    out.where = {seg.name().file, seg.name().line};
    std::vector<PoolDraft> drafts;
    PoolDraft shorthand;
    const Token* shorthand_at = nullptr;
    auto add = [&](PoolDraft d, const Token& at) {
        for (const PoolDraft& other : drafts)
            if (other.pool.name == d.pool.name) fail(at, "duplicate pogo pool " + quoted(d.pool.name));
        drafts.push_back(std::move(d));
    };
    for (const Segment& sub : seg.block) {
        SegmentReader s(sub);
        if (s.name().text == "pool") {
            s.expect_args(1, 1);
            PoolDraft d;
            d.pool.name = s.text(0);
            d.pool.where = {s.name().file, s.name().line};
            if (!valid_pool_name(d.pool.name))
                fail(s[0], "invalid pogo pool name " + quoted(d.pool.name) + ": use letters, digits, '_', '-' and '.'");
            for (const Segment& setting : sub.block)
                if (!pool_setting(setting, d)) unknown_subdirective(setting, "pool");
            add(std::move(d), s[0]);
        } else if (pool_setting(sub, shorthand)) {
            if (!shorthand_at) shorthand_at = &s.name();
        } else {
            unknown_subdirective(sub, "pogo");
        }
    }
    if (shorthand_at) {
        shorthand.pool.name = "default";
        shorthand.pool.where = {shorthand_at->file, shorthand_at->line};
        add(std::move(shorthand), *shorthand_at);
    }
    auto has_default = std::any_of(drafts.begin(), drafts.end(), [](const PoolDraft& d) { return d.pool.name == "default"; });
    if (!has_default) fail(seg.name(), "pogo requires a \"default\" pool");
    for (PoolDraft& d : drafts) {
        if (!d.worker)
            fail_at(d.pool.where.file, d.pool.where.line, "pogo pool " + quoted(d.pool.name) + " worker is required");
        d.pool.worker_path = join_path(ctx.config_dir, d.pool.worker);
        if (ctx.options.check_files && !ctx.fs.exists(d.pool.worker_path))
            fail(*d.worker, "pogo pool " + quoted(d.pool.name) + " worker file not found: " + d.pool.worker_path);
        out.pools.push_back(std::move(d.pool));
    }
}

}  // namespace caddyfile
