// The PHP engine of this process: libphp (ZTS) started once with Pogo's SAPI module — the one that
// php_sapi_name() reports as "frankenphp" — before any PHP thread runs, and stopped once after the
// last PHP thread has ended. The command-line runner (run_php_cli) is the other way to use the
// engine: it starts and stops its own, so a process uses one or the other, never both.
//
// Threads: everything here is main-thread only, except php_version() (any thread).
#pragma once

#include <string>
#include <utility>
#include <vector>

struct _zend_module_entry;
typedef struct _zend_module_entry zend_module_entry;

namespace pogo::sapi {

struct EngineOptions {
  std::string php_ini_path;                                // -c; empty = PHPRC or the build's default
  std::vector<std::pair<std::string, std::string>> ini;    // php_ini overrides from the Caddyfile
  unsigned num_threads = 0;                                // 0 = 2 x CPUs
  // PHP modules compiled into this binary (pogo's), registered after PHP's own extensions and
  // the `frankenphp` module. Worker mode runs their RSHUTDOWN + RINIT after every request it
  // serves, so their per-request state never crosses requests.
  std::vector<zend_module_entry*> extra_modules;
};

// Starts the engine: TSRM, signals, SAPI, php.ini, extensions (OPcache loaded unless the ini files
// already load it). Throws std::runtime_error with a one-line reason.
void engine_start(const EngineOptions& options);
// Stops it, in the reverse order. Every PHP thread must have ended (PhpBackend::stop()).
void engine_stop();
bool engine_running();

// `pogo php-cli script.php args...`: argv[0] is the script. Runs it as `php script.php args...`
// would (sapi "cli", output to stdout) and returns the script's exit status. Whole process: starts
// and stops its own engine; engine_start() must not have been called.
int run_php_cli(int argc, char** argv);

// The embedded PHP's version, "8.2.32".
std::string php_version();

// The names of EngineOptions::extra_modules of the running engine.
const std::vector<std::string>& extra_module_names();

// What engine_start() resolves num_threads = 0 to.
unsigned default_num_threads();

}  // namespace pogo::sapi
