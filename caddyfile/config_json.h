// Config as JSON, what `pogo adapt` prints and the admin API serves at /config/; config_from_json.h
// reads it back. The schema mirrors config.h one to one:
//
//   { "source": path, "warnings": ["FILE:LINE: message", ...],
//     "global": { "debug", "http_port", "https_port", "admin", "auto_https", "default_bind",
//                 "grace_period", "shutdown_delay" (duration strings like "1m30s", or null),
//                 "logs": [log], "servers": [{listener, name, timeouts{read_body, read_header, write,
//                 idle}, max_header_size, protocols, where}], "directive_order": [names], "email",
//                 "acme_ca", "acme_ca_root", "local_certs", "skip_install_trust", "storage": null |
//                 {module, root, where}, "default_sni", "cert_issuer": null | issuer, "ocsp_stapling",
//                 "key_type" },
//     "apps": { "frankenphp"?, "pogo"?, "http" } (see apps_json.h: FrankenPHP's own JSON shape for
//               the `frankenphp` options, Pogo's pools, and a derived view of the HTTP servers),
//     "sites": [{ "addresses": [{original, scheme, host, port, path, where}], "bind": [...],
//                 "matchers": {name: matcher set}, "handlers": [handler], "logs": [log],
//                 "tls": null | {cert, key, internal, email, protocol_min, protocol_max, ciphers,
//                 curves, alpn, load, key_type, reuse_private_keys, issuer: null | issuer,
//                 client_auth: null | {mode, trusted_ca_cert_files, trusted_leaf_cert_files, where},
//                 where}, "where": "FILE:LINE" }],
//     "https": { "certificates": [{name, issuer: "acme"|"internal", acme | internal, key_type,
//                site}], "redirects": [{http_port, host, https_port, location, bind, where}],
//                "policies": [{site, port, names, catch_all}], "install_trust" } (derived from the
//                sites and global options: automatic HTTPS's plan) }
//
//   log = { name, output, file, format, level, include, exclude, where }
//   issuer = { "module": "acme", "acme": acme, "where" } | { "module": "internal", "internal": {lifetime,
//              sign_with_root}, "where" }
//   acme = { dir, test_dir, email, trusted_roots, disable_http_challenge, disable_tlsalpn_challenge, timeout }
//
//   handler = { "directive", "match": "*" | "/path" | "@name", "where": "FILE:LINE", ["group"], ...the
//               directive's own fields (e.g. respond: status, body, close; handle/route:
//               matchers, handlers; php_server: root, split_path, env, index, try_files,
//               file_server, workers [worker, see apps_json.h]) }
//   matcher set = { paths, path_regexps [[name, pattern]], methods, hosts, remote_ips, client_ips, protocols,
//                   headers [[field, [values]]], header_regexps [[name, field, pattern]],
//                   query [[key, value]], vars [[name, [values]]], vars_regexps [[name, var, pattern]],
//                   file {root, try_files, try_policy, split_path}, not [matcher set],
//                   expression "CEL text" (as Caddy's) } (empty ones left out)
//   Durations are strings in Caddy syntax (apps.frankenphp: integers of nanoseconds, as FrankenPHP);
//   sizes are byte counts. Text comes from the Caddyfile as is: dump with
//   error_handler_t::replace, since the file need not be valid UTF-8. Objects print with sorted keys.
#pragma once

#include <nlohmann/json.hpp>

#include "caddyfile/config.h"

namespace caddyfile {

nlohmann::json to_json(const Config& config);

}  // namespace caddyfile
