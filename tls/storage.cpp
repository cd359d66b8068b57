#include "tls/storage.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <system_error>

#include "tls/error.h"

namespace pogo::tls {

namespace fs = std::filesystem;

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

bool is_safe_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '@' ||
         c == '.' || c == '-';
}

std::string join_key(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view p : parts) {
    if (!out.empty()) out += '/';
    out += p;
  }
  return out;
}

std::string errno_text(int err) { return std::strerror(err); }

// mkdir -p with mode 0700 for the directories it creates (existing ones keep their mode, as
// Go's os.MkdirAll leaves them).
void make_dirs(const fs::path& dir) {
  if (dir.empty()) return;
  std::error_code ec;
  if (fs::is_directory(dir, ec)) return;
  make_dirs(dir.parent_path());
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    throw Error("storage: cannot create directory " + dir.string() + ": " + errno_text(errno));
}

}  // namespace

std::string safe_key(std::string_view component) {
  std::string s(component);
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  size_t b = 0, e = s.size();
  while (b < e && is_space(s[b])) ++b;
  while (e > b && is_space(s[e - 1])) --e;
  s = s.substr(b, e - b);

  // One left-to-right pass without overlaps, as Go's strings.Replacer does: "..." becomes ".".
  std::string replaced;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == ' ') replaced += '_';
    else if (c == '+') replaced += "_plus_";
    else if (c == '*') replaced += "wildcard_";
    else if (c == ':') replaced += '-';
    else if (c == '.' && i + 1 < s.size() && s[i + 1] == '.') ++i;
    else replaced += c;
  }
  std::string out;
  for (char c : replaced)
    if (is_safe_byte(static_cast<unsigned char>(c))) out += c;
  return out;
}

std::string acme_issuer_key(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::string(url);
  std::string_view rest = url.substr(scheme + 3);
  size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) authority = authority.substr(at + 1);
  std::string key(authority);
  if (end == std::string_view::npos || rest[end] != '/') return key;
  std::string_view path = rest.substr(end);
  path = path.substr(0, path.find_first_of("?#"));
  std::string p(path);
  std::replace(p.begin(), p.end(), '/', '-');
  std::replace(p.begin(), p.end(), '\\', '-');
  size_t b = p.find_first_not_of('-');
  if (b == std::string::npos) return key;
  p = p.substr(b, p.find_last_not_of('-') - b + 1);
  return key + "-" + p;
}

CertificateKeys certificate_keys(std::string_view issuer_key, std::string_view name) {
  std::string safe = safe_key(name);
  std::string dir = join_key({"certificates", safe_key(issuer_key), safe});
  return {dir + "/" + safe + ".crt", dir + "/" + safe + ".key", dir + "/" + safe + ".json"};
}

AuthorityKeys authority_keys(std::string_view ca_id) {
  std::string dir = join_key({"pki", "authorities", safe_key(ca_id)});
  return {dir + "/root.crt", dir + "/root.key", dir + "/intermediate.crt", dir + "/intermediate.key"};
}

std::string acme_users_prefix(std::string_view issuer_key) {
  return join_key({"acme", safe_key(issuer_key), "users"});
}

AcmeAccountKeys acme_account_keys(std::string_view issuer_key, std::string_view email_in) {
  std::string email(email_in.empty() ? std::string_view("default") : email_in);
  for (char& c : email)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  // certmagic names the files after the user part ("@x" keeps "x"); "default" stays "default".
  std::string user = email;
  if (size_t at = email.find('@'); at == 0) user = email.substr(1);
  else if (at != std::string::npos) user = email.substr(0, at);
  std::string dir = acme_users_prefix(issuer_key) + "/" + safe_key(email);
  std::string file = safe_key(user.empty() ? std::string("registration") : user);
  std::string key_file = safe_key(user.empty() ? std::string("private") : user);
  return {dir + "/" + file + ".json", dir + "/" + key_file + ".key"};
}

Storage::Storage(fs::path root) : root_(std::move(root)) {}

fs::path Storage::default_root() {
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg) return fs::path(xdg) / "caddy";
  if (const char* home = std::getenv("HOME"); home && *home) return fs::path(home) / ".local" / "share" / "caddy";
  return fs::path("./caddy");
}

Storage Storage::open(std::string_view configured_root) {
  if (!configured_root.empty()) return Storage(fs::path(configured_root));
  return Storage(default_root());
}

fs::path Storage::path_of(std::string_view key) const { return root_ / fs::path(key); }

std::optional<std::string> Storage::load(std::string_view key) const {
  fs::path p = path_of(key);
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
    throw Error("storage: cannot read " + p.string() + ": " + errno_text(errno));
  }
  std::string out;
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      throw Error("storage: cannot read " + p.string() + ": " + errno_text(err));
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

void Storage::store(std::string_view key, std::string_view value) const {
  fs::path p = path_of(key);
  make_dirs(p.parent_path());
  // The temporary file lives beside the target so rename() stays within one file system.
  std::string tmpl = (p.parent_path() / ("." + p.filename().string() + ".tmp-XXXXXX")).string();
  int fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
  if (fd < 0) throw Error("storage: cannot create a file in " + p.parent_path().string() + ": " + errno_text(errno));
  auto fail = [&](const char* what) {
    int err = errno;
    ::close(fd);
    ::unlink(tmpl.c_str());
    throw Error(std::string("storage: cannot ") + what + " " + p.string() + ": " + errno_text(err));
  };
  if (::fchmod(fd, 0600) != 0) fail("set the mode of");
  size_t done = 0;
  while (done < value.size()) {
    ssize_t n = ::write(fd, value.data() + done, value.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("write");
    done += static_cast<size_t>(n);
  }
  // fsync before rename: after a crash the name points at the whole new file or the old one.
  if (::fsync(fd) != 0) fail("sync");
  if (::close(fd) != 0) {
    int err = errno;
    ::unlink(tmpl.c_str());
    throw Error("storage: cannot write " + p.string() + ": " + errno_text(err));
  }
  if (::rename(tmpl.c_str(), p.c_str()) != 0) {
    int err = errno;
    ::unlink(tmpl.c_str());
    throw Error("storage: cannot write " + p.string() + ": " + errno_text(err));
  }
}

bool Storage::exists(std::string_view key) const {
  std::error_code ec;
  return fs::exists(path_of(key), ec);
}

void Storage::remove(std::string_view key) const {
  std::error_code ec;
  fs::remove_all(path_of(key), ec);
  if (ec) throw Error("storage: cannot remove " + path_of(key).string() + ": " + ec.message());
}

std::vector<std::string> Storage::list(std::string_view prefix) const {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(path_of(prefix), ec), end; !ec && it != end; it.increment(ec))
    names.push_back(it->path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace pogo::tls
