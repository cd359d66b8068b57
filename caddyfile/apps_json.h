// The "apps" object of the configuration JSON, where tools built for Caddy and FrankenPHP look:
//
//   apps.frankenphp  FrankenPHP's own app shape (its FrankenPHPApp JSON keys): num_threads,
//                    max_threads (-1 = auto; "auto" accepted on input), max_wait_time and
//                    max_idle_time (integers of nanoseconds, as Go's time.Duration encodes them; a
//                    duration string such as "30s" is accepted on input; null = unset),
//                    max_requests, php_ini {key: value}, workers [worker], where. Present only when
//                    the Caddyfile has a `frankenphp` global option.
//   apps.pogo        Pogo's job pools: {pools: [{name, worker, worker_path, num_threads, max_wait,
//                    where}], where}. An app of its own, as frankenphp: it is a runtime the admin
//                    API can reload on its own (`PATCH /config/apps/pogo`).
//   apps.http        Read-only view derived from the sites, Caddy's naming: {servers: {srv0:
//                    {listen: [":443"], protocols?, automatic_https?}, ...}}, one server per group
//                    of listeners serving the same sites, in the order the sites first use them;
//                    `servers LISTENER { name N }` renames the server listening there.
//
//   worker = { name, file_name (as written), path (resolved; output only, recomputed on input),
//              num, env {key: value}, watch [patterns], match [paths], max_threads,
//              max_consecutive_failures, where } — also the shape of php_server/php workers.
//
// Plain functions over const data: any thread may call them.
#pragma once

#include <nlohmann/json.hpp>

#include "caddyfile/config.h"

namespace caddyfile {

nlohmann::json worker_to_json(const PhpWorker& w);
nlohmann::json frankenphp_app_json(const FrankenPhpOptions& f);
nlohmann::json pogo_app_json(const PogoOptions& p);
nlohmann::json http_app_json(const Config& config);

// The whole "apps" object for `config`.
nlohmann::json apps_json(const Config& config);

}  // namespace caddyfile
