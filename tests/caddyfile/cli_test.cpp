// pogo fmt / adapt / validate: output, exit codes.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/cmd_config.h"

using namespace pogo::cli;

namespace {

struct Run {
    int code;
    std::string out, err;
};

Run fmt(std::vector<std::string> args, const std::string& stdin_text = "") {
    std::istringstream in(stdin_text);
    std::ostringstream out, err;
    int code = run_fmt(args, in, out, err);
    return {code, out.str(), err.str()};
}

std::string temp_file(const std::string& name, const std::string& content) {
    auto path = std::filesystem::temp_directory_path() / ("pogo-cli-test-" + name);
    std::ofstream(path) << content;
    return path.string();
}

}  // namespace

TEST_CASE("pogo fmt") {
    Run r = fmt({"-"}, ":80 {\nrespond hi\n}");
    CHECK(r.code == 1);
    CHECK(r.out == ":80 {\n\trespond hi\n}\n");
    r = fmt({"-"}, ":80 {\n\trespond hi\n}\n");
    CHECK(r.code == 0);
    r = fmt({"-", "--diff"}, ":80 {\nrespond hi\n}\n");
    CHECK(r.code == 1);
    CHECK(r.out == "  :80 {\n- respond hi\n+ \trespond hi\n  }\n");
    // A `{` glued to the last word of a line opens the block, as caddy fmt reads it; placeholders
    // ending a line keep their braces.
    r = fmt({"-"}, "http://{\nrespond hi\nroute {\nheader X {$V}\n}\n}\n");
    CHECK(r.out == "http:// {\n\trespond hi\n\troute {\n\t\theader X {$V}\n\t}\n}\n");
    r = fmt({"-"}, ":80 \"open\n");
    CHECK(r.code == 1);
    CHECK(r.err == "<stdin>:1: unterminated quoted string: missing closing '\"'\n");
    CHECK(fmt({"--bogus"}).code == 2);
    CHECK(fmt({"-", "--overwrite"}).code == 2);

    std::string path = temp_file("fmt", ":80 {\nrespond hi\n}");
    r = fmt({path, "--overwrite"});
    CHECK(r.code == 0);
    std::ifstream in(path);
    std::ostringstream ss;
    ss << in.rdbuf();
    CHECK(ss.str() == ":80 {\n\trespond hi\n}\n");
    CHECK(fmt({path}).code == 0);
    std::filesystem::remove(path);
    r = fmt({"/nonexistent/Caddyfile"});
    CHECK(r.code == 1);
    CHECK(r.err == "pogo fmt: cannot read /nonexistent/Caddyfile\n");
}

TEST_CASE("pogo validate and adapt") {
    std::string good = temp_file("good", ":8080 {\n\trespond hi\n}\n");
    std::string bad = temp_file("bad", ":8080 {\n\trespnd hi\n}\n");
    std::ostringstream out, err;
    CHECK(run_validate({"--config", good}, out, err) == 0);
    CHECK(out.str() == "Valid configuration\n");
    std::ostringstream out2, err2;
    CHECK(run_validate({"--config", bad}, out2, err2) == 1);
    CHECK(err2.str() == bad + ":2: unrecognized directive \"respnd\"\n");
    std::ostringstream out3, err3;
    CHECK(run_adapt({"--config", good, "--pretty"}, out3, err3) == 0);
    CHECK(out3.str().find("\"port\": 8080") != std::string::npos);
    std::ostringstream out4, err4;
    CHECK(run_adapt({"--config"}, out4, err4) == 2);
    std::string env = temp_file("env", "# comment\nexport PORT=9000\n");
    std::string templ = temp_file("templ", ":{$PORT} {\n\trespond hi\n}\n");
    std::ostringstream out5, err5;
    CHECK(run_adapt({"--config", templ, "--envfile", env}, out5, err5) == 0);
    CHECK(out5.str().find("\"port\":9000") != std::string::npos);
    for (const auto& p : {good, bad, env, templ}) std::filesystem::remove(p);
}
