// The layer rules of DESIGN.md, checked on the source tree: server/ knows nothing of PHP, of the
// SAPI or of Pogo jobs; server/'s core (not server/routes/) includes nothing of server/routes/;
// sapi/ never sees libuv; caddyfile/ and sync/ include nothing else of the project (and sync/ no
// libuv and no PHP either); mercure/ includes nothing of admin/ or cli/, the layers above it. A
// violation fails with the file, the line and the rule it breaks. Also checked on the build:
// pogo_sapi does not pass pogo_server (libuv's include path and flags) on to its users, and
// pogo_sync links nothing of ours.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace fs = std::filesystem;

namespace {

struct Rule {
    std::string dir;                        // layer, relative to the source root
    std::vector<std::string> forbidden;     // include prefixes (after `#include `) it may not use
    std::string allowed_quoted_prefix;      // non-empty: every `#include "..."` must start with it
    std::string why;
    std::string skip;                       // a subdirectory the rule does not cover ("" for none)
};

const std::vector<Rule> kRules = {
        {"server",
          {"\"sapi/", "\"pogo/", "\"cli/", "\"admin/", "<php", "<zend", "<Zend/", "<main/", "<TSRM", "<sapi/"},
          "",
          "server/ is the HTTP layer: no PHP, no SAPI, no Pogo jobs"},
        {"server",
          {"\"server/routes/"},
          "",
          "server/'s core is below its routes: the dependency runs one way (the core routes through "
          "server/router.h, which server/routes/site.h implements)",
          "server/routes"},
        {"sapi", {"<uv.h>", "\"uv.h\""}, "", "sapi/ runs on PHP threads and never sees libuv"},
        {"caddyfile", {}, "\"caddyfile/", "caddyfile/ includes nothing else of the project"},
        {"sync",
          {"<uv.h>", "\"uv.h\"", "<php", "<zend", "<Zend/", "<main/", "<TSRM", "<sapi/", "<SAPI.h>"},
          "\"sync/",
          "sync/ is a leaf: the standard library only, no libuv, no PHP, nothing of the project"},
        {"mercure",
          {"\"cli/", "\"admin/"},
          "",
          "mercure/ is below admin/ and cli/"},
};

// The include target of a line (`"a/b.h"` or `<x.h>`), or empty when the line is no #include.
std::string include_target(std::string_view line) {
    size_t i = line.find_first_not_of(" \t");
    if (i == std::string_view::npos || line[i] != '#') return {};
    i = line.find_first_not_of(" \t", i + 1);
    if (i == std::string_view::npos || line.substr(i, 7) != "include") return {};
    i = line.find_first_not_of(" \t", i + 7);
    if (i == std::string_view::npos) return {};
    char close = line[i] == '"' ? '"' : line[i] == '<' ? '>' : 0;
    if (!close) return {};
    size_t end = line.find(close, i + 1);
    return end == std::string_view::npos ? std::string() : std::string(line.substr(i, end - i + 1));
}

// What is wrong with this include under the rule, or empty.
std::string violation(const Rule& rule, const std::string& target) {
    for (const auto& f : rule.forbidden)
        if (target.rfind(f, 0) == 0) return rule.why + ": " + target;
    if (!rule.allowed_quoted_prefix.empty() && !target.empty() && target[0] == '"' &&
            target.rfind(rule.allowed_quoted_prefix, 0) != 0)
        return rule.why + ": " + target;
    return {};
}

// Violations found, as `file:line: rule: include`.
std::vector<std::string> scan(const fs::path& root, const Rule& rule) {
    std::vector<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(root / rule.dir)) {
        if (!e.is_regular_file()) continue;
        const std::string rel = fs::relative(e.path(), root).string();
        if (!rule.skip.empty() && rel.rfind(rule.skip + "/", 0) == 0) continue;
        const std::string ext = e.path().extension().string();
        if (ext != ".h" && ext != ".cpp" && ext != ".hpp" && ext != ".cc") continue;
        std::ifstream in(e.path());
        std::string line;
        for (int n = 1; std::getline(in, line); ++n) {
            std::string v = violation(rule, include_target(line));
            if (v.empty()) continue;
            out.push_back(rel + ":" + std::to_string(n) + ": " + v);
        }
    }
    return out;
}

}  // namespace

TEST_CASE("layers: the checker sees includes and judges them by the rules") {
    CHECK(include_target("#include \"sapi/engine.h\"") == "\"sapi/engine.h\"");
    CHECK(include_target("  #  include <uv.h>  // loop") == "<uv.h>");
    CHECK(include_target("// #include <uv.h>").empty());
    CHECK(include_target("#define X 1").empty());
    CHECK_FALSE(violation(kRules[0], "\"sapi/engine.h\"").empty());
    CHECK_FALSE(violation(kRules[0], "<php.h>").empty());
    CHECK(violation(kRules[0], "\"server/loop.h\"").empty());
    CHECK_FALSE(violation(kRules[2], "<uv.h>").empty());
    CHECK(violation(kRules[2], "<php.h>").empty());
    CHECK_FALSE(violation(kRules[1], "\"server/routes/site.h\"").empty());
    CHECK(violation(kRules[1], "\"server/stream.h\"").empty());
    CHECK_FALSE(violation(kRules[3], "\"server/log.h\"").empty());
    CHECK(violation(kRules[3], "\"caddyfile/lexer.h\"").empty());
    CHECK(violation(kRules[3], "<string>").empty());
    CHECK_FALSE(violation(kRules[4], "<uv.h>").empty());
    CHECK_FALSE(violation(kRules[4], "<php.h>").empty());
    CHECK_FALSE(violation(kRules[4], "<zend_API.h>").empty());
    CHECK_FALSE(violation(kRules[4], "\"server/log.h\"").empty());
    CHECK_FALSE(violation(kRules[4], "\"metrics/counter.h\"").empty());
    CHECK(violation(kRules[4], "\"sync/event.h\"").empty());
    CHECK(violation(kRules[4], "<linux/futex.h>").empty());
    CHECK_FALSE(violation(kRules[5], "\"admin/api.h\"").empty());
    CHECK(violation(kRules[5], "\"mercure/update.h\"").empty());
}

TEST_CASE("layers: every file of server/'s core is held to the routes rule, server/routes/ is not") {
    // A scratch tree: a core file and a routes file both include a routes header.
    const fs::path root = fs::temp_directory_path() / ("pogo-layers-" + std::to_string(::getpid()));
    fs::remove_all(root);
    fs::create_directories(root / "server/routes");
    std::ofstream(root / "server/stream.cpp") << "#include \"server/router.h\"\n#include \"server/routes/site.h\"\n";
    std::ofstream(root / "server/routes/site.cpp") << "#include \"server/routes/site.h\"\n";
    const auto found = scan(root, kRules[1]);
    fs::remove_all(root);
    REQUIRE(found.size() == 1);
    CHECK(found[0].rfind("server/stream.cpp:2: ", 0) == 0);
}

TEST_CASE("layers: server/, sapi/, caddyfile/, sync/ and mercure/ keep to their rules") {
    const fs::path root = POGO_SOURCE_DIR;
    for (const Rule& rule : kRules) {
        INFO(rule.dir << ": " << rule.why);
        REQUIRE(fs::is_directory(root / rule.dir));
        const auto found = scan(root, rule);
        for (const auto& v : found) MESSAGE(v);
        CHECK(found.empty());
    }
}

namespace {

// The INTERFACE_LINK_LIBRARIES of a target as CMake recorded them at configure time (see
// tests/layers/CMakeLists.txt): one `target: item;item;...` line each.
std::vector<std::string> link_interface(const std::string& target) {
    std::ifstream in(POGO_LINK_INTERFACES);
    std::string line;
    const std::string prefix = target + ": ";
    while (std::getline(in, line)) {
        if (line.rfind(prefix, 0) != 0) continue;
        std::vector<std::string> items;
        std::string rest = line.substr(prefix.size());
        for (size_t start = 0; start <= rest.size();) {
            size_t end = rest.find(';', start);
            if (end == std::string::npos) end = rest.size();
            if (end > start) items.push_back(rest.substr(start, end - start));
            start = end + 1;
        }
        return items;
    }
    FAIL("no link interface recorded for " << target << " in " << POGO_LINK_INTERFACES);
    return {};
}

}  // namespace

TEST_CASE("layers: pogo_sapi keeps pogo_server (libuv) to itself; pogo_sync links nothing of ours") {
    // A static library's PRIVATE dependency is still recorded, wrapped in $<LINK_ONLY:...>: linked,
    // but no include paths or flags passed on.
    for (const auto& item : link_interface("pogo_sapi")) {
        INFO(item);
        CHECK(item != "pogo_server");
        CHECK(item.find("UV") == std::string::npos);
    }
    for (const auto& item : link_interface("pogo_sync")) {
        INFO(item);
        CHECK(item.find("pogo_") == std::string::npos);
        CHECK(item.find("UV") == std::string::npos);
        CHECK(item.find("libphp") == std::string::npos);
    }
}
