// `pogo php-cli script.php args...`: this binary's PHP run the way `php script.php args...` runs a
// script — SAPI name "cli", output written unbuffered to stdout, errors displayed, $argv/$argc,
// STDIN/STDOUT/STDERR, no time limit, exit code = the script's exit status. `-r CODE args...` and
// `-i` (phpinfo() as text) run code instead of a file, as php's own options do. It has its own SAPI
// module and its own engine start/stop (the server engine is never started in that process).
//
// Threads: the main thread, for the whole process.
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

#include "sapi/engine.h"
#include "sapi/ini_config.h"
#include "sapi/php_includes.h"

namespace pogo::sapi {

namespace {

// Parsed after php.ini, so these win — as with PHP's own CLI.
constexpr char kCliIni[] =
    "html_errors=0\n"
    "register_argc_argv=1\n"
    "implicit_flush=1\n"
    "output_buffering=0\n"
    "max_execution_time=0\n"
    "max_input_time=-1\n";

const char* g_script = nullptr;

int cli_startup(sapi_module_struct* module) { return php_module_startup(module, nullptr); }

size_t cli_ub_write(const char* str, size_t len) {
  size_t done = 0;
  while (done < len) {
    ssize_t n = ::write(STDOUT_FILENO, str + done, len - done);
    if (n <= 0) {
      php_handle_aborted_connection();  // stdout closed (e.g. `| head`): like php, stop there
      return done;
    }
    done += size_t(n);
  }
  return len;
}

void cli_flush(void*) {}

int cli_send_headers(sapi_headers_struct*) { return SAPI_HEADER_SENT_SUCCESSFULLY; }

char* cli_read_cookies() { return nullptr; }

void cli_register_variables(zval* arr) {
  php_import_environment_variables(arr);
  const char* script = g_script ? g_script : "";
  size_t len = std::strlen(script);
  for (const char* name : {"PHP_SELF", "SCRIPT_NAME", "SCRIPT_FILENAME", "PATH_TRANSLATED"})
    php_register_variable_safe(name, script, len, arr);
  php_register_variable_safe("DOCUMENT_ROOT", "", 0, arr);
}

void cli_log_message(const char* message, int) { std::fprintf(stderr, "%s\n", message); }

// The same Debian defaults as the server's (ini_config.h), so a script behaves alike in both.
void cli_ini_defaults(HashTable* configuration) {
  add_ini_default(configuration, "display_errors", "1");
  for (const auto& [name, value] : debian_ini_defaults()) add_ini_default(configuration, name, value);
}

sapi_module_struct g_cli = {
    .name = const_cast<char*>("cli"),                      // php_sapi_name(), PHP_SAPI
    .pretty_name = const_cast<char*>("Command Line Interface"),
    .startup = cli_startup,                                // MINIT
    .shutdown = php_module_shutdown_wrapper,               // MSHUTDOWN
    .activate = nullptr,
    .deactivate = nullptr,
    .ub_write = cli_ub_write,                              // stdout, unbuffered
    .flush = cli_flush,                                    // nothing buffered here
    .get_stat = nullptr,
    .getenv = nullptr,                                     // the process environment
    .sapi_error = php_error,
    .header_handler = nullptr,
    .send_headers = cli_send_headers,                      // no headers on a terminal
    .send_header = nullptr,
    .read_post = nullptr,                                  // no request body
    .read_cookies = cli_read_cookies,
    .register_server_variables = cli_register_variables,  // env + script paths
    .log_message = cli_log_message,                        // stderr
    .get_request_time = nullptr,
    .terminate_process = nullptr,
    .php_ini_path_override = nullptr,                      // PHPRC or the build's default
    .default_post_reader = nullptr,
    .treat_data = nullptr,
    .executable_location = nullptr,
    .php_ini_ignore = 0,
    .php_ini_ignore_cwd = 1,                               // like php-cli
    .get_fd = nullptr,
    .force_http_10 = nullptr,
    .get_target_uid = nullptr,
    .get_target_gid = nullptr,
    .input_filter = nullptr,
    .ini_defaults = cli_ini_defaults,                      // display_errors=1, below php.ini
    .phpinfo_as_text = 1,
    .ini_entries = nullptr,                                // kCliIni, set after sapi_startup
    .additional_functions = nullptr,
    .input_filter_init = nullptr,
};

// STDIN, STDOUT, STDERR: streams on the process's descriptors that closing does not close.
void register_std_constant(const char* name, const char* url, const char* mode) {
  php_stream* s = php_stream_open_wrapper_ex(url, mode, 0, nullptr, nullptr);
  if (!s) return;
  s->flags |= PHP_STREAM_FLAG_NO_CLOSE;
  zend_constant c;
  php_stream_to_zval(s, &c.value);
  ZEND_CONSTANT_SET_FLAGS(&c, CONST_CS, 0);
  c.name = zend_string_init_interned(name, std::strlen(name), 0);
  zend_register_constant(&c);
}

// C-like: bailouts unwind through here. Returns the exit status. Runs `code` when it is not
// null, else the file `script`.
int execute(const char* script, const char* code) {
  volatile bool started = false;
  zend_first_try {
    if (php_request_startup() == SUCCESS) {
      started = true;
      SG(headers_sent) = 1;
      SG(request_info).no_headers = 1;
      register_std_constant("STDIN", "php://stdin", "rb");
      register_std_constant("STDOUT", "php://stdout", "wb");
      register_std_constant("STDERR", "php://stderr", "wb");
      CG(skip_shebang) = 1;
      EG(exit_status) = 0;
      if (code) {
        // An uncaught exception is reported and sets the exit status to 255, as with php -r.
        zend_eval_string_ex(code, nullptr, "Command line code", /*handle_exceptions=*/true);
      } else {
        zend_file_handle fh;
        zend_stream_init_filename(&fh, script);
        php_execute_script(&fh);
        zend_destroy_file_handle(&fh);
      }
    }
  } zend_end_try();
  zend_try {
    php_request_shutdown(nullptr);
  } zend_end_try();
  // exit() in the script or a shutdown function, or 255 after a fatal error (also one that
  // bailed out of -r code, which has no zend_try of its own as php_execute_script has).
  return started ? EG(exit_status) : 1;
}

}  // namespace

int run_php_cli(int argc, char** argv) {
  if (engine_running()) {
    std::fprintf(stderr, "pogo: php-cli cannot run inside a started server engine\n");
    return 1;
  }
  if (argc < 1 || !argv[0]) {
    std::fprintf(stderr, "pogo: php-cli needs a script\n");
    return 1;
  }
  // -r CODE [args...] and -i: $argv[0] is "Standard input code", as php names it.
  static char kCodeName[] = "Standard input code";
  const char* code = nullptr;
  std::vector<char*> code_argv;
  const std::string_view first = argv[0];
  if (first == "-i" || first == "-r") {
    if (first == "-r" && argc < 2) {
      std::fprintf(stderr, "pogo: php-cli -r needs the code to run\n");
      return 1;
    }
    code = first == "-i" ? "phpinfo();" : argv[1];
    code_argv.push_back(kCodeName);
    for (int i = first == "-r" ? 2 : 1; i < argc; ++i) code_argv.push_back(argv[i]);
    code_argv.push_back(nullptr);
    argc = int(code_argv.size()) - 1;
    argv = code_argv.data();
  } else if (::access(argv[0], R_OK) != 0) {
    std::printf("Could not open input file: %s\n", argv[0]);
    return 1;
  }
  g_script = code ? "" : argv[0];
  std::signal(SIGPIPE, SIG_IGN);

  php_tsrm_startup();
  zend_signal_startup();
  sapi_startup(&g_cli);
  char* ini = static_cast<char*>(std::malloc(sizeof kCliIni));
  std::memcpy(ini, kCliIni, sizeof kCliIni);
  g_cli.ini_entries = ini;
  if (g_cli.startup(&g_cli) == FAILURE) {
    sapi_shutdown();
    tsrm_shutdown();
    std::free(ini);
    std::fprintf(stderr, "pogo: PHP module startup failed\n");
    return 1;
  }
  SG(options) |= SAPI_OPTION_NO_CHDIR;
  SG(request_info).argc = argc;
  SG(request_info).argv = argv;
  SG(request_info).path_translated = code ? nullptr : argv[0];

  int status = execute(argv[0], code);

  php_module_shutdown();
  sapi_shutdown();
  tsrm_shutdown();
  std::free(ini);
  g_script = nullptr;
  return status;
}

}  // namespace pogo::sapi
