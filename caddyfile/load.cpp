#include "caddyfile/load.h"

#include <filesystem>
#include <map>

#include "caddyfile/auto_https.h"
#include "caddyfile/directive_order.h"
#include "caddyfile/global_options.h"
#include "caddyfile/site.h"

namespace caddyfile {

std::string absolute_dir(const std::string& dir) {
    std::error_code ec;
    auto abs = std::filesystem::absolute(dir.empty() ? std::filesystem::path(".") : std::filesystem::path(dir), ec);
    return (ec ? std::filesystem::path(dir) : abs).lexically_normal().string();
}

namespace {

ParseOptions parse_options(const LoadOptions& o) { return ParseOptions{o.env, o.fs}; }

void check_ambiguous(const Config& config) {
    std::map<std::string, const Address*> seen;
    for (const Site& site : config.sites)
        for (const Address& a : site.addresses) {
            std::string key = a.scheme + "://" + a.host + ":" + std::to_string(a.port) + a.path;
            auto [it, fresh] = seen.emplace(key, &a);
            if (!fresh)
                fail_at(a.where.file, a.where.line,
                        "site " + quoted(a.original) + " is already defined at " + it->second->where.file + ":" +
                            std::to_string(it->second->where.line));
        }
}

// One listener speaks one protocol: a port cannot serve both plain HTTP and HTTPS.
void check_listeners(const Config& config) {
    std::map<int, const Address*> first_of_port;
    for (const Site& site : config.sites)
        for (const Address& a : site.addresses) {
            auto [it, fresh] = first_of_port.emplace(a.port, &a);
            if (!fresh && it->second->scheme != a.scheme)
                fail_at(a.where.file, a.where.line,
                        "site " + quoted(a.original) + " is served over " + (a.scheme == "https" ? "HTTPS" : "HTTP") +
                            " on port " + std::to_string(a.port) + ", but site " + quoted(it->second->original) + " (" +
                            it->second->where.file + ":" + std::to_string(it->second->where.line) + ") uses that port for " +
                            (it->second->scheme == "https" ? "HTTPS" : "HTTP"));
        }
}

}  // namespace

Config build_config(const std::vector<ServerBlock>& blocks, const std::string& source, const LoadOptions& options) {
    Config config;
    config.source = source;
    BuildContext ctx{options, options.fs ? *options.fs : real_filesystem(), absolute_dir(parent_dir(source)),
                     absolute_dir(options.working_dir), config.warnings};
    config.global.directive_order = default_directive_order();
    size_t first_site = 0;
    if (!blocks.empty() && blocks.front().is_global()) {
        build_global_options(blocks.front(), config.global, ctx);
        first_site = 1;
    }
    for (size_t i = first_site; i < blocks.size(); ++i) config.sites.push_back(build_site(blocks[i], config.global, ctx));
    validate_config(config);
    return config;
}

void validate_config(Config& config) {
    check_ambiguous(config);
    check_listeners(config);
    config.https = plan_https(config);
}

Config parse_config(std::string_view text, const std::string& file, const LoadOptions& options) {
    return build_config(parse(text, file, parse_options(options)), file, options);
}

Config load_config(const std::string& path, const LoadOptions& options) {
    return build_config(parse_file(path, parse_options(options)), path, options);
}

Config load_config_text(std::string_view caddyfile_text, std::string_view name, const LoadOptions& options) {
    return parse_config(caddyfile_text, std::string(name), options);
}

}  // namespace caddyfile
