// php_server, php and php_fastcgi: all served by the embedded engine. php_server also redirects
// directories, tries files and serves static ones; php only runs scripts; php_fastcgi behaves like
// Caddy's (without serving static files) and its upstream is ignored, with a warning.
#include "caddyfile/directives/directives.h"
#include "caddyfile/global_options.h"

namespace caddyfile::directives {

namespace {

enum class Kind { server, php, fastcgi };

const char* name_of(Kind k) { return k == Kind::server ? "php_server" : k == Kind::php ? "php" : "php_fastcgi"; }

bool parse_bool(const SegmentReader& s) {
    s.expect_args(0, 1);
    if (s.empty() || s.text(0) == "true" || s.text(0) == "on") return true;
    if (s.text(0) == "false" || s.text(0) == "off") return false;
    fail(s[0], quoted(s.name().text) + ": expected true or false, got " + quoted(s.text(0)));
}

HandlerSpec parse(DirectiveInput& in, Kind kind) {
    PhpSpec spec;
    if (kind == Kind::fastcgi) {
        in.args.expect_args(1, 64);
        for (const std::string& u : in.args.texts()) spec.upstream += (spec.upstream.empty() ? "" : " ") + u;
        in.ctx.build.warn(in.seg.name(), "php_fastcgi: the upstream " + quoted(spec.upstream) +
                                             " is ignored; PHP runs in Pogo's embedded engine");
        spec.file_server = false;
    } else {
        in.args.expect_args(0, 0);
        spec.file_server = kind == Kind::server;
    }
    const std::string context = name_of(kind);
    // A relative worker file starts from this block's `root`, wherever `root` is written in it.
    std::string worker_dir = in.ctx.build.working_dir;
    for (const Segment& sub : in.seg.block)
        if (sub.name().text == "root" && sub.tokens.size() == 2)
            worker_dir = worker_base_dir(in.ctx.build.working_dir, sub.tokens[1].text);
    for (const Segment& sub : in.seg.block) {
        SegmentReader s(sub);
        const std::string& n = s.name().text;
        if (n == "worker" && kind != Kind::fastcgi) {
            PhpWorker w = parse_worker(sub, in.ctx.build, worker_dir);
            // As FrankenPHP: requests reach a worker without `match` by its file, so two of one file
            // in one block could not be told apart.
            for (const PhpWorker& other : spec.workers)
                if (other.path == w.path && other.match.empty() && w.match.empty())
                    fail(sub.name(), context + ": two workers of this block have the file " + quoted(w.path));
            spec.workers.push_back(std::move(w));
            continue;
        }
        s.no_block();
        if (n == "root") {
            s.expect_args(1, 1);
            spec.root = s.text(0);
        } else if (n == "split" || n == "split_path") {
            // FrankenPHP's code reads `split` (Caddy's php_fastcgi name) while its documentation
            // writes `split_path`: configs copied from either must load.
            s.expect_args(1, 64);
            spec.split_path = s.texts();
        } else if (n == "resolve_root_symlink") {
            spec.resolve_root_symlink = parse_bool(s);
        } else if (n == "env") {
            s.expect_args(2, 2);
            spec.env.emplace_back(s.text(0), s.text(1));
        } else if (n == "index" && kind != Kind::php) {
            s.expect_args(1, 1);
            spec.index = s.text(0) == "off" ? std::vector<std::string>{} : std::vector<std::string>{s.text(0)};
        } else if (n == "try_files" && kind != Kind::php) {
            s.expect_args(1, 1024);
            spec.try_files = s.texts();
        } else if (n == "file_server" && kind == Kind::server) {
            s.expect_args(1, 1);
            if (s.text(0) != "off") fail(s[0], "php_server file_server: expected \"off\", got " + quoted(s.text(0)));
            spec.file_server = false;
        } else if (n == "hide_defaults" && kind == Kind::server) {
            // Pogo's own: the built-in hide list of the static part (server/hidden_paths.h).
            s.expect_args(1, 1);
            if (s.text(0) != "on" && s.text(0) != "off")
                fail(s[0], "php_server hide_defaults: expected \"on\" or \"off\", got " + quoted(s.text(0)));
            spec.hide_defaults = s.text(0) == "on";
        } else if (kind == Kind::fastcgi && (n == "dial_timeout" || n == "read_timeout" || n == "write_timeout" ||
                                             n == "capture_stderr" || n == "header_up" || n == "header_down")) {
            in.ctx.build.warn(s.name(), "php_fastcgi " + n + " has no effect in Pogo");
        } else {
            unknown_subdirective(sub, context);
        }
    }
    return spec;
}

}  // namespace

HandlerSpec php_server(DirectiveInput& in) { return parse(in, Kind::server); }
HandlerSpec php(DirectiveInput& in) { return parse(in, Kind::php); }
HandlerSpec php_fastcgi(DirectiveInput& in) { return parse(in, Kind::fastcgi); }

}  // namespace caddyfile::directives
