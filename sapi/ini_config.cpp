#include "sapi/ini_config.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include "sapi/php_includes.h"
#include <main/build-defs.h>

namespace pogo::sapi {

namespace {

bool is_file(const std::string& p) {
  struct stat st{};
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool is_dir(const std::string& p) {
  struct stat st{};
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  return out;
}

// "zend_extension = opcache.so" (any spacing, quoting, path), not commented out.
bool line_loads_opcache(std::string_view line) {
  size_t i = line.find_first_not_of(" \t");
  if (i == std::string_view::npos) return false;
  line.remove_prefix(i);
  constexpr std::string_view key = "zend_extension";
  if (lower(line.substr(0, key.size())) != key) return false;
  line.remove_prefix(key.size());
  i = line.find_first_not_of(" \t");
  if (i == std::string_view::npos || line[i] != '=') return false;
  std::string_view value = line.substr(i + 1);
  if (size_t semi = value.find(';'); semi != std::string_view::npos) value = value.substr(0, semi);
  return lower(value).find("opcache") != std::string::npos;
}

bool file_loads_opcache(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line))
    if (line_loads_opcache(line)) return true;
  return false;
}

// The main ini file PHP will open: the first of "php-<sapi>.ini", "php.ini" found along the search
// path, or the path itself when it names a file (php_init_config's rules, minus the cwd, which
// Pogo's SAPI module ignores).
std::string main_ini_file(const std::string& explicit_path, std::string_view sapi_name) {
  std::vector<std::string> search;
  if (!explicit_path.empty()) {
    if (is_file(explicit_path)) return explicit_path;
    search.push_back(explicit_path);
  } else {
    if (const char* rc = std::getenv("PHPRC"); rc && *rc) {
      if (is_file(rc)) return rc;
      search.push_back(rc);
    }
    search.push_back(PHP_CONFIG_FILE_PATH);
  }
  for (const auto& dir : search) {
    for (std::string name : {"php-" + std::string(sapi_name) + ".ini", std::string("php.ini")}) {
      std::string p = dir + "/" + name;
      if (is_file(p)) return p;
    }
  }
  return {};
}

// Every *.ini of the scan directories (PHP_INI_SCAN_DIR, else the build's), as PHP reads them.
std::vector<std::string> scanned_ini_files() {
  std::vector<std::string> dirs;
  const char* env = std::getenv("PHP_INI_SCAN_DIR");
  std::string spec = env ? env : PHP_CONFIG_FILE_SCAN_DIR;
  if (spec.empty()) return {};  // PHP_INI_SCAN_DIR= turns scanning off
  size_t start = 0;
  while (start <= spec.size()) {
    size_t end = spec.find(':', start);
    if (end == std::string::npos) end = spec.size();
    std::string d = spec.substr(start, end - start);
    dirs.push_back(d.empty() ? std::string(PHP_CONFIG_FILE_SCAN_DIR) : d);
    start = end + 1;
  }
  std::vector<std::string> files;
  for (const auto& d : dirs) {
    if (d.empty() || !is_dir(d)) continue;
    DIR* dir = ::opendir(d.c_str());
    if (!dir) continue;
    while (dirent* e = ::readdir(dir)) {
      std::string name = e->d_name;
      if (name.size() > 4 && name.compare(name.size() - 4, 4, ".ini") == 0) files.push_back(d + "/" + name);
    }
    ::closedir(dir);
  }
  return files;
}

bool has_newline(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

}  // namespace

bool ini_loads_opcache(const std::string& explicit_path,
                       const std::vector<std::pair<std::string, std::string>>& overrides,
                       std::string_view sapi_name) {
  for (const auto& [k, v] : overrides)
    if (line_loads_opcache(k + "=" + v)) return true;
  std::string main = main_ini_file(explicit_path, sapi_name);
  if (!main.empty() && file_loads_opcache(main)) return true;
  auto files = scanned_ini_files();
  return std::any_of(files.begin(), files.end(), file_loads_opcache);
}

std::string opcache_extension_path() {
#if defined(__SANITIZE_ADDRESS__)
  // libphp dlopens extensions with RTLD_DEEPBIND, which the sanitizer runtime refuses: an
  // ASan build (tests only) runs without OPcache.
  return {};
#endif
  std::string p = std::string(POGO_PHP_EXTENSION_DIR) + "/opcache.so";
  return is_file(p) ? p : std::string();
}

std::vector<std::pair<std::string, std::string>> debian_ini_defaults(const std::string& sessions_dir) {
  std::vector<std::pair<std::string, std::string>> defaults = {
      // Debian builds with --with-mysql-sock: where its mariadb-server and mysql-server listen,
      // so `localhost` (which mysqlnd takes as "the Unix socket") reaches the local server.
      // Debian prints /var/run/mysqld/mysqld.sock, the same place through the /var/run symlink.
      {"mysqli.default_socket", "/run/mysqld/mysqld.sock"},
      {"pdo_mysql.default_socket", "/run/mysqld/mysqld.sock"},
      // Off in PHP 8.2.36, the point release Debian ships now; the cached build predates it.
      {"session.upload_progress.enabled", "0"},
  };
  if (!is_dir(sessions_dir)) defaults.emplace_back("session.save_path", "");
  return defaults;
}

void add_ini_default(HashTable* configuration, std::string_view name, std::string_view value) {
  zval v;
  ZVAL_NEW_STR(&v, zend_string_init(value.data(), value.size(), 1));
  zend_hash_str_update(configuration, name.data(), name.size(), &v);
}

IniPlan plan_ini(const std::string& explicit_path,
                 const std::vector<std::pair<std::string, std::string>>& overrides,
                 std::string_view sapi_name, bool load_opcache) {
  IniPlan plan;
  plan.php_ini_path = explicit_path;
  if (load_opcache) {
    std::string so = opcache_extension_path();
    if (!so.empty() && !ini_loads_opcache(explicit_path, overrides, sapi_name))
      plan.entries += "zend_extension=\"" + so + "\"\n";
  }
  for (const auto& [k, v] : overrides) {
    if (k.empty() || has_newline(k) || has_newline(v) || k.find('=') != std::string::npos)
      throw std::runtime_error("php_ini " + k + ": a directive name and value must be one line each");
    // Raw, like a php.ini line: constants and expressions ("E_ALL & ~E_NOTICE") keep working.
    plan.entries += k + "=" + v + "\n";
  }
  return plan;
}

}  // namespace pogo::sapi
