// `pogo php-cli`: run_php_cli in a child process (tests/sapi/cli_runner_main.cpp).
#include <doctest/doctest.h>

#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace {

struct Result {
  int status;
  std::string out;
};

Result run_cli(const std::string& args) {
  std::string cmd = std::string(POGO_CLI_RUNNER) + " " + args + " 2>/dev/null";
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int st = ::pclose(p);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

const std::string kScript = std::string(POGO_SOURCE_DIR) + "/tests/sapi/fixtures/cli_script.php";

}  // namespace

TEST_CASE("php-cli runs a script like php: sapi cli, $argv, STDOUT, exit status") {
  Result r = run_cli(kScript + " 7 two three");
  CHECK(r.status == 7);
  CHECK(r.out == "cli\n4 7,two,three\nstdout constant\nhas stderr\n");
}

TEST_CASE("php-cli exit status 0 and a missing script") {
  CHECK(run_cli(kScript + " 0").status == 0);
  Result missing = run_cli("/nonexistent/script.php");
  CHECK(missing.status == 1);
  CHECK(missing.out.find("Could not open input file") != std::string::npos);
}

TEST_CASE("php-cli: a fatal error exits with 255") {
  Result r = run_cli(std::string(POGO_SOURCE_DIR) + "/tests/sapi/fixtures/exception.php");
  CHECK(r.status == 255);
  CHECK(r.out.find("pogo test exception") != std::string::npos);  // display_errors=1 on stdout
}
