// The command line beyond php-server: `pogo version`, `pogo help`, `pogo php-cli`.
#include <regex>

#include "tests/e2e/common.h"

using namespace e2e;

namespace {

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

}  // namespace

TEST_CASE("pogo version prints Pogo's and PHP's versions") {
    RunResult r = run_pogo({"version"});
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    CHECK(r.exit_code == 0);
    const std::string all = r.out + r.err;
    CHECK(lower(all).find("pogo") != std::string::npos);
    // PHP's version, e.g. "PHP 8.2.32".
    CHECK(std::regex_search(all, std::regex(R"(PHP[ /v]*8\.[0-9]+\.[0-9]+)", std::regex::icase)));
}

TEST_CASE("pogo help lists the subcommands") {
    RunResult r = run_pogo({"help"});
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    CHECK(r.exit_code == 0);
    const std::string all = r.out + r.err;
    CHECK(all.find("php-server") != std::string::npos);
    CHECK(all.find("php-cli") != std::string::npos);
    CHECK(all.find("version") != std::string::npos);
}

TEST_CASE("an unknown subcommand fails with a message") {
    RunResult r = run_pogo({"no-such-subcommand-xyz"});
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    // A usage error: non-zero, and an orderly exit rather than a crash (the exact code is not
    // specified: 1 or 2).
    CHECK(r.exit_code != 0);
    CHECK(r.exit_code < 128);
    CHECK(!lines_of(r.err).empty());
}

TEST_CASE("pogo php-cli runs a script with its arguments and returns its exit code") {
    const std::string script = (fixtures_dir() / "cli" / "args.php").string();

    SUBCASE("exit code from exit()") {
        RunResult r = run_pogo({"php-cli", script, "alpha", "beta gamma", "--flag=x", "7"});
        INFO("stdout: " << r.out << "\nstderr: " << r.err);
        CHECK(r.exit_code == 7);
        auto first_line = r.out.substr(0, r.out.find('\n'));
        json j = json::parse(first_line, nullptr, false);
        REQUIRE_MESSAGE(!j.is_discarded(), "php-cli output is not the script's JSON");
        REQUIRE(j["argv"].is_array());
        REQUIRE(j["argv"].size() == 5);
        CHECK(j["argv"][0].get<std::string>().ends_with("args.php"));
        CHECK(j["argv"][1] == "alpha");
        CHECK(j["argv"][2] == "beta gamma");
        CHECK(j["argv"][3] == "--flag=x");
        CHECK(j["argv"][4] == "7");
        CHECK(j["argc"] == 5);
    }

    SUBCASE("exit code 0 when the script ends normally") {
        RunResult r = run_pogo({"php-cli", script, "only-words"});
        INFO("stdout: " << r.out << "\nstderr: " << r.err);
        CHECK(r.exit_code == 0);
        CHECK(r.out.find("only-words") != std::string::npos);
    }
}

TEST_CASE("pogo php-cli reports a fatal error with a non-zero exit code") {
    TempDir dir;
    write_file(dir / "fatal.php", "<?php\necho \"before\\n\";\npogo_cli_undefined_function();\n");
    RunResult r = run_pogo({"php-cli", (dir / "fatal.php").string()});
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    CHECK(r.exit_code == 255);  // PHP's own exit status after a fatal error
    CHECK(r.out.find("before") != std::string::npos);
    CHECK((r.out + r.err).find("pogo_cli_undefined_function") != std::string::npos);
}

TEST_CASE("pogo php-cli with a missing script fails") {
    RunResult r = run_pogo({"php-cli", "/nonexistent/pogo-e2e/missing.php"});
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    CHECK(r.exit_code != 0);
    CHECK(r.exit_code < 128);  // an orderly failure, not a crash
}
