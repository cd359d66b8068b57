// The global options block: each option is read into GlobalOptions; the few that only tune Caddy's
// internals are accepted with a warning; anything else is an error.
#pragma once

#include <optional>
#include <string>

#include "caddyfile/build_context.h"
#include "caddyfile/config.h"
#include "caddyfile/parser.h"

namespace caddyfile {

void build_global_options(const ServerBlock& block, GlobalOptions& out, const BuildContext& ctx);

// `log` (global, or a site's access log).
LogConfig parse_log(const Segment& seg, bool site, const BuildContext& ctx);

// A check across several options, whatever the source (Caddyfile or JSON): which field is wrong
// (`index` picks the entry of a list field) and why, for the caller to say where.
struct OptionProblem {
    std::string field;
    size_t index = 0;
    std::string message;
};

// max_threads >= num_threads, num_threads > the workers' threads, worker names unique.
std::optional<OptionProblem> check_frankenphp(const FrankenPhpOptions& f);

// Letters, digits, '_', '-' and '.'.
bool valid_pool_name(const std::string& name);

// `frankenphp { }` and its `worker`, which php_server/php share. A relative worker file is resolved
// from `base_dir` (worker_base_dir), the working directory when empty.
void parse_frankenphp(const Segment& seg, FrankenPhpOptions& out, const BuildContext& ctx);
PhpWorker parse_worker(const Segment& seg, const BuildContext& ctx, const std::string& base_dir = {});

// Where a relative worker file starts, as FrankenPHP resolves it: from the `root` written in the
// php_server/php block when there is one (caddy/module.go joins them), else from the working
// directory. A root with runtime placeholders is only known per request: the working directory.
std::string worker_base_dir(const std::string& working_dir, const std::string& php_root);

// email, acme_ca, storage, cert_issuer, ... (certificate_options.cpp). False: not one of them.
bool parse_certificate_option(const Segment& seg, GlobalOptions& out, const BuildContext& ctx);

// `pogo { }` (see spec/pogo.md).
void parse_pogo(const Segment& seg, PogoOptions& out, const BuildContext& ctx);

}  // namespace caddyfile
