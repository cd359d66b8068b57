// Scripts that fail: fatal errors, uncaught exceptions, exit(), timeouts. Each ends its request
// only; the thread goes on serving (checked on a one-thread backend, so it is the same thread).
#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "sapi/php_backend.h"
#include "tests/sapi/harness.h"

using namespace pogo::sapi::test;
using pogo::sapi::PhpBackend;

namespace {

PhpBackend& single_thread_backend() {
  ensure_engine();
  static PhpBackend backend(1);
  return backend;
}

// Captures what the process writes to stderr (the server log) while `fn` runs.
template <class Fn>
std::string capture_stderr(Fn fn) {
  char path[] = "/tmp/pogo-sapi-stderr-XXXXXX";
  int fd = ::mkstemp(path);
  REQUIRE(fd >= 0);
  int saved = ::dup(STDERR_FILENO);
  ::dup2(fd, STDERR_FILENO);
  fn();
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);
  ::close(fd);
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  ::unlink(path);
  return ss.str();
}

}  // namespace

TEST_CASE("a fatal error before any output is a 500, and the thread serves the next request") {
  auto& backend = single_thread_backend();
  Response r;
  std::string log = capture_stderr([&] { r = run(make_head("GET", "fatal.php"), "", &backend); });
  CHECK(r.status == 500);
  CHECK(r.body.empty());  // display_errors is off by default
  CHECK(log.find("Call to undefined function undefined_function_for_pogo_test()") != std::string::npos);
  CHECK(r.ended);
  Response next = run(make_head("GET", "hello.php"), "", &backend);
  CHECK(next.status == 200);
  CHECK(next.body == "Hello, World!");
  CHECK(backend.replaced_threads() == 0);
}

TEST_CASE("a fatal error after buffered output is a 500 that keeps the output") {
  auto& backend = single_thread_backend();
  Response r = run(make_head("GET", "fatal.php", "buffered=1"), "", &backend);
  CHECK(r.status == 500);
  CHECK(r.body.find("partial output") != std::string::npos);
  CHECK(r.body.find("never") == std::string::npos);
}

TEST_CASE("with display_errors on, a fatal error is still a 500, its message the body") {
  Response r = run(make_head("GET", "fatal.php", "display=1"));
  CHECK(r.status == 500);
  CHECK(r.body.find("Call to undefined function undefined_function_for_pogo_test()") != std::string::npos);
}

TEST_CASE("an uncaught exception is a 500") {
  auto& backend = single_thread_backend();
  Response r = run(make_head("GET", "exception.php"), "", &backend);
  CHECK(r.status == 500);
  CHECK(run(make_head("GET", "hello.php"), "", &backend).status == 200);
}

TEST_CASE("exit() keeps the status and the output so far") {
  Response r = run(make_head("GET", "exit.php"));
  CHECK(r.status == 202);
  CHECK(r.body == "bye");
}

TEST_CASE("max_execution_time ends an endless loop with an error; the next request is fine") {
  auto& backend = single_thread_backend();
  std::string log = capture_stderr([&] {
    Response r = run(make_head("GET", "timeout.php"), "", &backend);
    CHECK(r.status == 500);
  });
  CHECK(log.find("Maximum execution time of 1 second exceeded") != std::string::npos);
  Response next = run(make_head("GET", "hello.php"), "", &backend);
  CHECK(next.status == 200);
  CHECK(next.body == "Hello, World!");
}

TEST_CASE("error_log() goes to the server log with the request's URI") {
  std::string log = capture_stderr([] {
    Response r = run(make_head("GET", "error_log.php", "token=t0k3n"));
    CHECK(r.body == "logged");
  });
  CHECK(log.find("pogo error_log marker t0k3n") != std::string::npos);
  CHECK(log.find("/error_log.php?token=t0k3n") != std::string::npos);
  CHECK(log.find("php") != std::string::npos);
}

TEST_CASE("a missing script is a 404-less failure handled by PHP, and the thread survives") {
  auto& backend = single_thread_backend();
  Response r = run(make_head("GET", "does-not-exist.php"), "", &backend);
  CHECK(r.ended);
  CHECK(run(make_head("GET", "hello.php"), "", &backend).status == 200);
}
