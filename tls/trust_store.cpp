#include "tls/trust_store.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "tls/error.h"
#include "tls/local_ca.h"

extern char** environ;

namespace pogo::tls {

namespace fs = std::filesystem;

namespace {

constexpr const char* kFileName = "pogo-local-ca.crt";

// PATH first, then the sbin directories a non-root PATH often lacks (the tools live there).
std::optional<std::string> find_program(const std::string& name) {
  std::string dirs = std::getenv("PATH") ? std::getenv("PATH") : "";
  dirs += ":/usr/local/sbin:/usr/sbin:/sbin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = dirs.substr(start, end - start);
    if (!dir.empty()) {
      std::string path = dir + "/" + name;
      if (::access(path.c_str(), X_OK) == 0) return path;
    }
    start = end + 1;
  }
  return std::nullopt;
}

// Runs `argv` with stdin from /dev/null and stdout+stderr captured; "" when it exits 0, else
// its output (or why it could not run).
std::string run(const std::vector<std::string>& argv) {
  if (argv.empty()) return "";
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return std::string("pipe: ") + std::strerror(errno);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int rc = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    return "cannot run " + argv[0] + ": " + std::strerror(rc);
  }
  std::string output;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (output.size() < 64 * 1024) output.append(buf, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return "";
  while (!output.empty() && (output.back() == '\n' || output.back() == ' ')) output.pop_back();
  std::string how = WIFEXITED(status) ? "exited with status " + std::to_string(WEXITSTATUS(status))
                                      : "was killed by signal " + std::to_string(WTERMSIG(status));
  return argv[0] + " " + how + (output.empty() ? "" : ": " + output);
}

std::string permission_hint(int err) {
  return (err == EACCES || err == EPERM || err == EROFS) ? " (installing a root needs root: sudo pogo trust)" : "";
}

// The trust store's file is public (0644): every program on the machine reads it. Written
// beside its final name, then renamed, so the update tool never reads half a certificate.
std::string write_public_file(const fs::path& path, const std::string& text) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  std::string tmp = path.string() + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    int err = errno;
    return "cannot write " + path.string() + ": " + std::strerror(err) + permission_hint(err);
  }
  int err = 0;
  if (::fchmod(fd, 0644) != 0 || ::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    err = errno ? errno : EIO;
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err == 0 && ::rename(tmp.c_str(), path.c_str()) != 0) err = errno;
  if (err == 0) return "";
  ::unlink(tmp.c_str());
  return "cannot write " + path.string() + ": " + std::strerror(err) + permission_hint(err);
}

std::optional<std::string> read_file(const fs::path& path) {
  try {
    return Storage(path.parent_path()).load(path.filename().string());
  } catch (const Error&) {
    return std::nullopt;
  }
}

}  // namespace

std::optional<TrustStore> system_trust_store() {
  if (auto tool = find_program("update-ca-certificates"))
    return TrustStore{fs::path("/usr/local/share/ca-certificates") / kFileName, {*tool}};
  if (auto tool = find_program("update-ca-trust"))
    return TrustStore{fs::path("/etc/pki/ca-trust/source/anchors") / kFileName, {*tool, "extract"}};
  return std::nullopt;
}

bool root_installed(const Storage& storage, const TrustStore& store) {
  std::optional<std::string> root;
  try {
    root = storage.load(authority_keys().root_cert);
  } catch (const Error&) {
    return false;
  }
  std::optional<std::string> installed = read_file(store.cert_file);
  return root && installed && *root == *installed;
}

std::string install_root(const Storage& storage, const TrustStore& store, bool force) {
  std::string root_pem;
  try {
    root_pem = LocalCA::load_or_create(storage)->root_pem();
  } catch (const Error& e) {
    return e.what();
  }
  if (!force && read_file(store.cert_file) == root_pem) return "";
  if (std::string err = write_public_file(store.cert_file, root_pem); !err.empty()) return err;
  return run(store.update_command);
}

std::string install_root(const Storage& storage) {
  std::optional<TrustStore> store = system_trust_store();
  if (!store) return "no system trust store found (neither update-ca-certificates nor update-ca-trust is installed)";
  return install_root(storage, *store);
}

std::string uninstall_root(const TrustStore& store) {
  if (::unlink(store.cert_file.c_str()) != 0) {
    if (errno == ENOENT) return "";
    int err = errno;
    return "cannot remove " + store.cert_file.string() + ": " + std::strerror(err) + permission_hint(err);
  }
  return run(store.update_command);
}

std::string uninstall_root() {
  std::optional<TrustStore> store = system_trust_store();
  if (!store) return "no system trust store found (neither update-ca-certificates nor update-ca-trust is installed)";
  return uninstall_root(*store);
}

}  // namespace pogo::tls
