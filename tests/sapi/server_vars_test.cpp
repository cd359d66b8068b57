// Every $_SERVER entry of spec/runtime.md, from one hand-built request.
#include <doctest/doctest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "tests/sapi/harness.h"

using namespace pogo::sapi::test;
using nlohmann::json;

namespace {

json server_vars(pogo::server::RequestHead head, std::string body = "") {
  Response r = run(std::move(head), std::move(body));
  REQUIRE(r.status == 200);
  return json::parse(r.body);
}

}  // namespace

TEST_CASE("$_SERVER has every CGI/1.1 entry FrankenPHP sets") {
  ensure_engine();
  ::setenv("POGO_PROCESS_ENV", "from-process", 1);  // php_import_environment_variables reads environ
  auto head = make_head("POST", "server_vars.php", "x=1&y=2",
                        {{"Host", "example.test:8443"},
                         {"Content-Type", "text/plain"},
                         {"Accept", "text/html"},
                         {"X-Forwarded-For", "10.0.0.1"},
                         {"x-forwarded-for", "10.0.0.2"},
                         {"Cookie", "a=1"},
                         {"Cookie", "b=2"},
                         {"Authorization", "Basic dXNlcjpzZWNyZXQ="}});  // user:secret
  head.uri = "/original/uri?x=1&y=2";  // before rewrites
  head.script_name = "/server_vars.php";
  head.path_info = "/extra/path";
  head.scheme = "https";
  head.http_major = 2;
  head.http_minor = 0;
  head.remote_addr = "192.0.2.7";
  head.remote_port = 40000;
  head.env = {{"POGO_ENV_VAR", "from-config"}, {"APP_ENV", "test"}};
  json j = server_vars(std::move(head), "body");
  json s = j["server"];
  const std::string root = fixtures_dir();

  CHECK(j["sapi"] == "frankenphp");
  CHECK(s["POGO_PROCESS_ENV"] == "from-process");
  CHECK(s["REMOTE_ADDR"] == "192.0.2.7");
  CHECK(s["REMOTE_HOST"] == "192.0.2.7");
  CHECK(s["REMOTE_PORT"] == "40000");
  CHECK(s["DOCUMENT_ROOT"] == root);
  CHECK(s["DOCUMENT_URI"] == "/server_vars.php");  // the script part, as FrankenPHP sets it
  CHECK(s["SCRIPT_FILENAME"] == root + "/server_vars.php");
  CHECK(s["SCRIPT_NAME"] == "/server_vars.php");
  CHECK(s["PATH_INFO"] == "/extra/path");
  CHECK(s["PATH_TRANSLATED"] == root + "/extra/path");
  CHECK(s["PHP_SELF"] == "/server_vars.php/extra/path");
  CHECK(s["SERVER_NAME"] == "example.test");
  CHECK(s["SERVER_PORT"] == "8443");
  CHECK(s["SERVER_PROTOCOL"] == "HTTP/2.0");
  CHECK(s["SERVER_SOFTWARE"] == "Pogo");
  CHECK(s["GATEWAY_INTERFACE"] == "CGI/1.1");
  CHECK(s["REQUEST_METHOD"] == "POST");
  CHECK(s["REQUEST_URI"] == "/original/uri?x=1&y=2");
  CHECK(s["QUERY_STRING"] == "x=1&y=2");
  CHECK(s["CONTENT_TYPE"] == "text/plain");
  CHECK(s["CONTENT_LENGTH"] == "4");
  CHECK(s["REQUEST_SCHEME"] == "https");
  CHECK(s["HTTPS"] == "on");
  CHECK(s["AUTH_TYPE"] == "");
  CHECK(s["REMOTE_IDENT"] == "");
  CHECK(s["HTTP_HOST"] == "example.test:8443");
  CHECK(s["HTTP_ACCEPT"] == "text/html");
  CHECK(s["HTTP_X_FORWARDED_FOR"] == "10.0.0.1, 10.0.0.2");
  CHECK(s["HTTP_COOKIE"] == "a=1; b=2");
  CHECK_FALSE(s.contains("HTTP_CONTENT_TYPE"));
  CHECK_FALSE(s.contains("HTTP_CONTENT_LENGTH"));
  CHECK(s["PHP_AUTH_USER"] == "user");
  CHECK(s["PHP_AUTH_PW"] == "secret");
  CHECK(s["REMOTE_USER"] == "user");
  CHECK(s["REQUEST_TIME"].is_number_integer());
  CHECK(s["REQUEST_TIME_FLOAT"].is_number_float());
  CHECK(s["POGO_ENV_VAR"] == "from-config");
  CHECK(s["APP_ENV"] == "test");
  CHECK(j["getenv"] == "from-config");
}

TEST_CASE("$_SERVER defaults: no path info, plain http, empty query and content type, port from scheme") {
  auto head = make_head("GET", "server_vars.php", "", {{"Host", "plain.test"}});
  json s = server_vars(std::move(head))["server"];
  CHECK(s["SERVER_NAME"] == "plain.test");
  CHECK(s["SERVER_PORT"] == "80");
  CHECK(s["HTTPS"] == "");
  CHECK(s["REQUEST_SCHEME"] == "http");
  CHECK(s["QUERY_STRING"] == "");
  CHECK(s["CONTENT_TYPE"] == "");
  CHECK_FALSE(s.contains("CONTENT_LENGTH"));
  CHECK(s["PATH_INFO"] == "");
  CHECK_FALSE(s.contains("PATH_TRANSLATED"));
  CHECK(s["PHP_SELF"] == "/server_vars.php");
  CHECK(s["SERVER_PROTOCOL"] == "HTTP/1.1");
  CHECK_FALSE(s.contains("PHP_AUTH_USER"));
  CHECK_FALSE(s.contains("REMOTE_USER"));

  auto v6 = make_head("GET", "server_vars.php", "", {{"Host", "[::1]:9000"}});
  json s6 = server_vars(std::move(v6))["server"];
  CHECK(s6["SERVER_NAME"] == "[::1]");
  CHECK(s6["SERVER_PORT"] == "9000");

  auto tls = make_head("GET", "server_vars.php", "", {{"Host", "secure.test"}});
  tls.scheme = "https";
  CHECK(server_vars(std::move(tls))["server"]["SERVER_PORT"] == "443");
}
