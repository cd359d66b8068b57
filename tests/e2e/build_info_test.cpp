// `pogo version` and `pogo build-info`, read the way the tools around FrankenPHP read them.
#include <regex>
#include <sstream>

#include "tests/e2e/common.h"

using namespace e2e;

namespace {

// Laravel Octane's check (InstallsFrankenPhpDependencies::ensureFrankenPhpBinaryMeetsRequirements),
// step by step: split on "\n"; the first line that starts with "dep" and contains
// "github.com/dunglas/frankenphp"; trimmed; what follows its last "v"; must contain \d+.\d+.\d+.
std::optional<std::string> octane_version(const std::string& build_info) {
    std::vector<std::string> lines;
    std::string line;
    std::istringstream in(build_info);
    while (std::getline(in, line, '\n')) lines.push_back(line);
    for (const std::string& l : lines) {
        if (l.rfind("dep", 0) != 0 || l.find("github.com/dunglas/frankenphp") == std::string::npos) continue;
        std::string t = l;
        const char* ws = " \t\n\r\v";  // PHP's trim() also strips NUL; there is none here
        t.erase(0, t.find_first_not_of(ws));
        t.erase(t.find_last_not_of(ws) + 1);
        size_t v = t.rfind('v');
        std::string version = v == std::string::npos ? t : t.substr(v + 1);
        if (!std::regex_search(version, std::regex(R"(\d+\.\d+\.\d+)"))) return std::nullopt;
        return version;
    }
    return std::nullopt;
}

// PHP's version_compare($a, $b, '>=') for plain dotted numbers.
bool version_at_least(const std::string& a, const std::string& b) {
    std::istringstream x(a), y(b);
    for (int i = 0; i < 3; ++i) {
        int p = 0, q = 0;
        char dot;
        x >> p;
        y >> q;
        if (p != q) return p > q;
        x >> dot;
        y >> dot;
    }
    return true;
}

}  // namespace

TEST_CASE("pogo build-info: Octane finds FrankenPHP's API level, v1.3.0 or later") {
    RunResult r = run_pogo({"build-info"});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    auto version = octane_version(r.out);
    REQUIRE(version);
    CHECK(*version == "1.3.0");
    CHECK(version_at_least(*version, "1.3.0"));
    CHECK(version_at_least(*version, "1.0.2"));  // what older Octane releases want
}

TEST_CASE("pogo build-info: Go's `go version -m` layout, saying truthfully what the binary is") {
    RunResult r = run_pogo({"build-info"});
    REQUIRE(r.exit_code == 0);
    std::vector<std::string> lines = lines_of(r.out);
    REQUIRE(lines.size() >= 5);
    CHECK(lines[0] == "path\tpogo");
    CHECK(std::regex_match(lines[1], std::regex(R"(mod\tpogo\tv\d+\.\d+\.\d+)")));
    CHECK(lines[2] == "dep\tgithub.com/dunglas/frankenphp\tv1.3.0");
    CHECK(lines[3].rfind("# this binary is Pogo (C++), not FrankenPHP", 0) == 0);
    bool php_version = false, zts = false;
    for (const auto& l : lines) {
        // Only the one dep line names FrankenPHP with "dep" in front (Octane takes the first).
        if (l.rfind("dep", 0) == 0) CHECK(l == lines[2]);
        php_version |= std::regex_match(l, std::regex(R"(build\tphp\.version=8\.\d+\.\d+)"));
        zts |= l == "build\tphp.zts=1";
        CHECK((l.rfind("path\t", 0) == 0 || l.rfind("mod\t", 0) == 0 || l.rfind("dep\t", 0) == 0 ||
               l.rfind("build\t", 0) == 0 || l.rfind("# ", 0) == 0));
    }
    CHECK(php_version);
    CHECK(zts);
}

TEST_CASE("pogo version: `Pogo X.Y.Z PHP 8.2.N`, the same versions build-info gives") {
    RunResult v = run_pogo({"version"});
    RunResult b = run_pogo({"build-info"});
    REQUIRE(v.exit_code == 0);
    REQUIRE(b.exit_code == 0);
    std::smatch m;
    REQUIRE(std::regex_search(v.out, m, std::regex(R"(^Pogo (\d+\.\d+\.\d+) PHP (8\.\d+\.\d+) )")));
    CHECK(b.out.find("mod\tpogo\tv" + m[1].str() + "\n") != std::string::npos);
    CHECK(b.out.find("build\tphp.version=" + m[2].str() + "\n") != std::string::npos);
}
