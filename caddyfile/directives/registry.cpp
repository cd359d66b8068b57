#include <map>
#include <set>

#include "caddyfile/directives/directives.h"

namespace caddyfile::directives {

Parser find(const std::string& name) {
    static const std::map<std::string, Parser> table = {
        {"root", root},           {"request_body", request_body}, {"redir", redir},
        {"rewrite", rewrite},     {"uri", uri},                   {"try_files", try_files},
        {"header", header},       {"basic_auth", basic_auth},     {"basicauth", basic_auth},
        {"encode", encode},       {"handle", handle},             {"handle_path", handle_path},
        {"route", route},         {"respond", respond},           {"error", error},
        {"php_server", php_server}, {"php", php},                 {"php_fastcgi", php_fastcgi},
        {"file_server", file_server}, {"vulcain", vulcain},       {"request_header", request_header},
        {"vars", vars},           {"reverse_proxy", reverse_proxy}, {"method", method},
        {"mercure", mercure},     {"intercept", intercept},       {"copy_response", copy_response},
        {"copy_response_headers", copy_response_headers},
    };
    auto it = table.find(name);
    return it == table.end() ? nullptr : it->second;
}

bool is_unsupported(const std::string& name) {
    static const std::set<std::string> names = {
        "tracing", "map", "fs", "log_append", "skip_log", "log_skip", "log_name",
        "forward_auth", "push", "templates", "invoke", "abort",
        "metrics", "acme_server", "rate_limit",
    };
    return names.count(name) > 0;
}

}  // namespace caddyfile::directives
