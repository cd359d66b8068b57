// A logger (global `log` or a site's access log) as configuration JSON, in Caddy's shape where Caddy
// has one (its logging.logs.NAME object: writer and encoder modules), plus Pogo's name and where:
//
//   {name, level, include, exclude, where,
//    writer:  {output: stderr|stdout|discard|file, filename, roll, roll_size_mb, roll_keep,
//              roll_keep_days, roll_gzip, roll_local_time},          (roll_* only for file)
//    encoder: {format: json|console} | {format: filter, wrap: {format: json|console},
//              fields: {PATH: {filter: delete|hash} | {filter: replace, value}
//                           | {filter: ip_mask, ipv4_cidr, ipv6_cidr}
//                           | {filter: query, actions: [{type, parameter, value}]}
//                           | {filter: cookie|set_cookie, actions: [{type, name, value}]}
//                           | {filter: regexp, regexp, value}
//                           | {filter: multi_regexp, operations: [{regexp, value}]}}}}
//
// encoder is absent when the format is left to the runtime. Plain functions: any thread may call them.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "caddyfile/config.h"

namespace caddyfile {

nlohmann::json log_to_json(const LogConfig& l);
// Throws Error naming the JSON path ("config: /logs/0/encoder/fields/x/filter: ...").
LogConfig log_from_json(const nlohmann::json& v, const std::string& path);

}  // namespace caddyfile
