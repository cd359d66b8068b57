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

// `env`: "NAME=value " assignments put before the command.
Result run_cli(const std::string& args, const std::string& env = "") {
  std::string cmd = env + std::string(POGO_CLI_RUNNER) + " " + args + " 2>/dev/null";
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

TEST_CASE("php-cli: Debian's php8.2 defaults, as in the server, with the CLI's display_errors") {
  // PHPRC at a directory without php.ini: the machine's php.ini cannot mask the defaults.
  Result r = run_cli(std::string(POGO_SOURCE_DIR) + "/tests/sapi/fixtures/cli_ini.php", "PHPRC=/nonexistent-pogo ");
  CHECK(r.status == 0);
  CHECK(r.out ==
        "mysqli.default_socket=/run/mysqld/mysqld.sock\n"
        "pdo_mysql.default_socket=/run/mysqld/mysqld.sock\n"
        "include_path=.:/usr/share/php\n"
        "session.upload_progress.enabled=0\n"
        "display_errors=1\n");
}

TEST_CASE("php-cli -r runs code with its arguments, -i prints phpinfo() as text") {
  Result r = run_cli("-r 'echo ini_get(\"mysqli.default_socket\"), \"|\", $argv[0], \"|\", $argc, \"|\", $argv[1];' x",
                     "PHPRC=/nonexistent-pogo ");
  CHECK(r.status == 0);
  CHECK(r.out == "/run/mysqld/mysqld.sock|Standard input code|2|x");
  CHECK(run_cli("-r 'exit(3);'").status == 3);
  CHECK(run_cli("-r 'throw new Exception(\"pogo -r exception\");'").status == 255);
  CHECK(run_cli("-r").status == 1);

  Result info = run_cli("-i", "PHPRC=/nonexistent-pogo ");
  CHECK(info.status == 0);
  CHECK(info.out.find("Server API => Command Line Interface") != std::string::npos);
  CHECK(info.out.find("mysqli.default_socket => /run/mysqld/mysqld.sock => /run/mysqld/mysqld.sock") !=
        std::string::npos);
  CHECK(info.out.find("pdo_mysql.default_socket => /run/mysqld/mysqld.sock => /run/mysqld/mysqld.sock") !=
        std::string::npos);
  CHECK(info.out.find("include_path => .:/usr/share/php => .:/usr/share/php") != std::string::npos);
}
