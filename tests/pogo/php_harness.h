// A test-only PHP host for pogo/: PHP's embed SAPI started once per process with the `pogo`
// module, one request open on the main thread for eval_php(), and PHP worker threads for pools
// (php_workers) running a worker script whose frankenphp_handle_request() is a small stand-in for
// sapi/'s worker mode, driving PhpJobSource exactly as php_job_source.h describes.
//
// Threads: php_start()/eval_php() on the main thread; the worker threads are PHP threads of their own.
#pragma once

#include <string>

#include "pogo/pool.h"

namespace pogo::test {

void php_start();
// Evaluates `(function () { BODY })()` in the main thread's request and returns the result cast to
// string. Exceptions are not caught (write try/catch in BODY); a fatal error fails the test run.
std::string eval_php(const std::string& body);
// Runs top-level statements (class declarations...) in the main thread's request. false on error.
bool exec_php(const std::string& code);
// A WorkerLauncher whose threads run `script` (a PHP file) as a pool worker.
jobs::WorkerLauncher php_workers(std::string script);

}  // namespace pogo::test
