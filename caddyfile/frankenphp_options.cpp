#include <filesystem>
#include <set>

#include "caddyfile/global_options.h"
#include "caddyfile/segment_reader.h"

namespace caddyfile {

namespace {

// FrankenPHP's default `watch` pattern (caddy/caddy.go defaultWatchPattern).
const char* const kDefaultWatch = "./**/*.{env,php,twig,yaml,yml}";

void resolve_worker_file(PhpWorker& w, const Token& at, const BuildContext& ctx, const std::string& base_dir) {
    w.path = join_path(base_dir.empty() ? ctx.working_dir : base_dir, w.file);
    if (ctx.options.check_files && !ctx.fs.exists(w.path)) fail(at, "worker file not found: " + w.path);
}

void parse_php_ini(const Segment& seg, KeyValues& out) {
    SegmentReader r(seg);
    if (r.has_block()) {
        r.expect_args(0, 0);
        for (const Segment& sub : seg.block) {
            SegmentReader s(sub);
            s.expect_args(0, 1);  // the key is the name; `key value` or a bare key with an empty value
            s.no_block();
            out.emplace_back(s.name().text, s.empty() ? std::string() : s.text(0));
        }
        return;
    }
    r.expect_args(2, 2);
    out.emplace_back(r.text(0), r.text(1));
}

}  // namespace

std::optional<OptionProblem> check_frankenphp(const FrankenPhpOptions& f) {
    if (f.max_threads > 0 && f.num_threads > 0 && f.max_threads < f.num_threads)
        return OptionProblem{"max_threads", 0,
                             "max_threads (" + std::to_string(f.max_threads) +
                                 ") must be greater than or equal to num_threads (" + std::to_string(f.num_threads) + ")"};
    int worker_threads = 0;
    std::set<std::string> names, files;
    for (size_t i = 0; i < f.workers.size(); ++i) {
        const PhpWorker& w = f.workers[i];
        worker_threads += w.num;
        if (!w.name.empty() && !names.insert(w.name).second)
            return OptionProblem{"workers", i, "two workers are named " + quoted(w.name)};
        // A global worker belongs to no php_server: there is no set of requests to match against.
        if (!w.match.empty())
            return OptionProblem{"workers", i,
                                 "worker " + quoted(w.file) +
                                     ": \"match\" is only for a worker inside php_server or php, not a global one"};
        // Requests reach a global worker by its file: two of one file could not be told apart.
        if (!files.insert(w.path).second)
            return OptionProblem{"workers", i, "two global workers have the file " + quoted(w.path)};
    }
    if (f.num_threads > 0 && worker_threads >= f.num_threads)
        return OptionProblem{"num_threads", 0,
                             "num_threads (" + std::to_string(f.num_threads) +
                                 ") must be greater than the number of worker threads (" +
                                 std::to_string(worker_threads) + ")"};
    return std::nullopt;
}

std::string worker_base_dir(const std::string& working_dir, const std::string& php_root) {
    if (php_root.empty() || php_root.find('{') != std::string::npos) return working_dir;
    return join_path(working_dir, php_root);
}

PhpWorker parse_worker(const Segment& seg, const BuildContext& ctx, const std::string& base_dir) {
    SegmentReader r(seg);
    r.expect_args(seg.has_block ? 0 : 1, 2);
    PhpWorker w;
    w.where = {seg.name().file, seg.name().line};
    const Token* file_token = &seg.name();
    if (r.size() >= 1) {
        w.file = r.text(0);
        file_token = &r[0];
    }
    // `worker FILE watch` is FrankenPHP's short form of a watched worker with the default pattern.
    if (r.size() == 2 && r.text(1) == "watch") w.watch.push_back(kDefaultWatch);
    else if (r.size() == 2) w.num = parse_int(r[1], "num", 1);
    for (const Segment& sub : seg.block) {
        SegmentReader s(sub);
        const std::string& n = s.name().text;
        s.no_block();
        if (n == "file") {
            s.expect_args(1, 1);
            w.file = s.text(0);
            file_token = &s[0];
        } else if (n == "num") {
            s.expect_args(1, 1);
            w.num = parse_int(s[0], "num", 1);
        } else if (n == "env") {
            s.expect_args(2, 2);
            w.env.emplace_back(s.text(0), s.text(1));
        } else if (n == "name") {
            s.expect_args(1, 1);
            w.name = s.text(0);
        } else if (n == "max_threads") {
            s.expect_args(1, 1);
            w.max_threads = parse_int(s[0], "max_threads", 1);
        } else if (n == "max_consecutive_failures") {
            s.expect_args(1, 1);
            w.max_consecutive_failures = parse_int(s[0], "max_consecutive_failures", -1);
        } else if (n == "match") {
            s.expect_args(1, 64);
            for (const std::string& p : s.texts()) w.match.push_back(p);
        } else if (n == "watch") {
            // FrankenPHP's: any number of patterns; none is its default pattern.
            s.expect_args(0, 64);
            if (s.empty()) w.watch.push_back(kDefaultWatch);
            for (const std::string& p : s.texts()) w.watch.push_back(p);
        } else {
            unknown_subdirective(sub, "worker");
        }
    }
    if (w.file.empty()) fail(seg.name(), "worker: missing the worker file (\"worker FILE\" or \"file FILE\" in its block)");
    resolve_worker_file(w, *file_token, ctx, base_dir);
    return w;
}

void parse_frankenphp(const Segment& seg, FrankenPhpOptions& out, const BuildContext& ctx) {
    SegmentReader r(seg);
    r.expect_args(0, 0);
    out.present = true;
    out.where = {seg.name().file, seg.name().line};
    const Token* num_threads_at = nullptr;
    const Token* max_threads_at = nullptr;
    for (const Segment& sub : seg.block) {
        SegmentReader s(sub);
        const std::string& n = s.name().text;
        if (n == "worker") {
            out.workers.push_back(parse_worker(sub, ctx));
            continue;
        }
        if (n == "php_ini") {
            parse_php_ini(sub, out.php_ini);
            continue;
        }
        s.no_block();
        s.expect_args(1, 1);
        if (n == "num_threads") {
            out.num_threads = parse_int(s[0], n, 1);
            num_threads_at = &s[0];
        } else if (n == "max_threads") {
            out.max_threads = s.text(0) == "auto" ? -1 : parse_int(s[0], n, 1);
            max_threads_at = &s[0];
        } else if (n == "max_wait_time") {
            out.max_wait_time = parse_duration(s[0], n);
        } else if (n == "max_idle_time") {
            out.max_idle_time = parse_duration(s[0], n);
        } else if (n == "max_requests") {
            out.max_requests = parse_int(s[0], n, 0);
        } else {
            unknown_subdirective(sub, "frankenphp");
        }
    }
    if (auto problem = check_frankenphp(out)) {
        if (problem->field == "max_threads" && max_threads_at) fail(*max_threads_at, problem->message);
        if (problem->field == "num_threads" && num_threads_at) fail(*num_threads_at, problem->message);
        const Location& w = problem->field == "workers" ? out.workers[problem->index].where : out.where;
        fail_at(w.file, w.line, problem->message);
    }
}

}  // namespace caddyfile
