#include "sapi/engine.h"

#include <sys/stat.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "sapi/ini_config.h"
#include "sapi/php_functions.h"
#include "sapi/php_includes.h"
#include "sapi/request.h"
#include "sapi/sapi_module.h"
#include "sapi/script_interrupt.h"
#include "sapi/stack_guard.h"
#include "sapi/stack_overflow.h"
#include <main/php_version.h>

namespace pogo::sapi {

namespace {
bool g_running = false;
std::vector<zend_module_entry*> g_extra_modules;
std::vector<std::string> g_extra_names;
int (*g_register_builtin)(void) = nullptr;

// php_module_startup takes one additional module; ours (frankenphp, then the extra ones) are
// registered right after PHP's built-in extensions instead, through PHP's own hook.
int register_modules() {
  if (g_register_builtin() == FAILURE) return FAILURE;
  if (!zend_register_internal_module(frankenphp_module_entry())) return FAILURE;
  for (zend_module_entry* m : g_extra_modules)
    if (!zend_register_internal_module(m)) return FAILURE;
  return SUCCESS;
}
std::string g_ini_path;          // sapi_module.php_ini_path_override points here
char* g_ini_entries = nullptr;   // sapi_module.ini_entries (malloc'd: PHP reads it as a C string)
}  // namespace

void engine_start(const EngineOptions& options) {
  if (g_running) throw std::runtime_error("the PHP engine is already started");
  if (!options.php_ini_path.empty()) {
    struct stat st{};
    if (::stat(options.php_ini_path.c_str(), &st) != 0)
      throw std::runtime_error("php.ini path " + options.php_ini_path + " does not exist");
  }
  IniPlan plan = plan_ini(options.php_ini_path, options.ini, kSapiName, /*load_opcache=*/true);

  g_extra_modules = options.extra_modules;
  g_extra_names.clear();
  for (zend_module_entry* m : g_extra_modules) g_extra_names.emplace_back(m->name);
  if (!g_register_builtin) g_register_builtin = php_register_internal_extensions_func;
  php_register_internal_extensions_func = register_modules;

  // Sockets opened by scripts must not kill the server when a peer goes away.
  std::signal(SIGPIPE, SIG_IGN);
  php_tsrm_startup();
  zend_signal_startup();
  sapi_module_struct& module = server_sapi_module();
  sapi_startup(&module);  // copies the module and clears its ini_entries: set them after

  g_ini_path = plan.php_ini_path;
  module.php_ini_path_override = g_ini_path.empty() ? nullptr : g_ini_path.data();
  g_ini_entries = static_cast<char*>(std::malloc(plan.entries.size() + 1));
  std::memcpy(g_ini_entries, plan.entries.c_str(), plan.entries.size() + 1);
  module.ini_entries = g_ini_entries;

  if (module.startup(&module) == FAILURE) {
    sapi_shutdown();
    tsrm_shutdown();
    std::free(g_ini_entries);
    g_ini_entries = nullptr;
    throw std::runtime_error("PHP module startup failed (see the messages above)");
  }
  install_error_status_hook();
  // Before any script is compiled: zend_execute_internal decides which call opcodes get emitted.
  install_stack_guard();
  install_script_interrupt();
  install_stack_overflow_handler();
  g_running = true;
}

void engine_stop() {
  if (!g_running) return;
  g_running = false;
  remove_script_interrupt();
  remove_stack_guard();
  remove_error_status_hook();
  php_module_shutdown();
  sapi_shutdown();
  tsrm_shutdown();
  std::free(g_ini_entries);
  g_ini_entries = nullptr;
}

bool engine_running() { return g_running; }

const std::vector<std::string>& extra_module_names() { return g_extra_names; }

std::string php_version() { return PHP_VERSION; }

unsigned default_num_threads() {
  unsigned cpus = std::thread::hardware_concurrency();
  return 2 * (cpus ? cpus : 1);
}

}  // namespace pogo::sapi
