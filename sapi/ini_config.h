// How Pogo layers php.ini: PHP's defaults, then Pogo's server defaults (ini_defaults, below every
// file: Debian's php8.2 defaults, debian_ini_defaults below, and the server's or the CLI's own),
// then the php.ini file (-c, else PHPRC, else the build's default directory) and the scan
// directory, then `ini_entries` — the OPcache extension line when no file loads it, and the
// Caddyfile's php_ini overrides, which therefore win.
//
// Threads: main thread, before php_module_startup.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

struct _zend_array;  // PHP's HashTable

namespace pogo::sapi {

struct IniPlan {
  std::string php_ini_path;  // for sapi_module.php_ini_path_override; empty = PHP's own search
  std::string entries;       // for sapi_module.ini_entries ("key=value\n" lines)
};

// Throws std::runtime_error when an override cannot be expressed as an ini line.
IniPlan plan_ini(const std::string& explicit_path,
                 const std::vector<std::pair<std::string, std::string>>& overrides,
                 std::string_view sapi_name, bool load_opcache);

// True when an ini file PHP will read (or an override) already has a zend_extension line for
// OPcache, so loading it again would print "Cannot load Zend OPcache - it was already loaded".
bool ini_loads_opcache(const std::string& explicit_path,
                       const std::vector<std::pair<std::string, std::string>>& overrides,
                       std::string_view sapi_name);

// Path of the OPcache shared object of this build, or empty when it is absent.
std::string opcache_extension_path();

// The defaults Debian's php8.2 gets from its configure flags (and its newer point release) that
// this build lacks, because changing the build's flags would rebuild PHP everywhere: both SAPIs
// (server and php-cli) put them in their ini_defaults, so any php.ini still overrides them. The
// Debian patches this build already carries give the rest (include_path ".:/usr/share/php",
// session.save_path "/var/lib/php/sessions", date.timezone "UTC"). When
// `sessions_dir` (Debian's session directory, made by its php-common package and by
// scripts/setup) is missing, session.save_path becomes "" — PHP's own default, the temporary
// directory — so sessions work on a host without it rather than failing on every session_start.
std::vector<std::pair<std::string, std::string>> debian_ini_defaults(
    const std::string& sessions_dir = "/var/lib/php/sessions");

// Sets `name` in the configuration hash an ini_defaults callback receives (PHP's HashTable):
// shared by the server's SAPI module and php-cli's.
void add_ini_default(_zend_array* configuration, std::string_view name, std::string_view value);

}  // namespace pogo::sapi
