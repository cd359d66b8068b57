#include "tls/certificate_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "tls/error.h"

namespace pogo::tls {

namespace {

// The whole file, or tls::Error "<role> <path>: <errno text>". POSIX read() rather than a stream:
// a directory opens fine and only the read says EISDIR, which a stream hides behind failbit.
std::string read_file(const std::string& path, const char* role) {
  auto fail = [&](int err) { return Error(std::string(role) + " " + path + ": " + std::strerror(err)); };
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw fail(errno);
  std::string out;
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      throw fail(err);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

}  // namespace

std::shared_ptr<const CertifiedKey> load_certificate_files(const std::string& cert_file, const std::string& key_file) {
  std::string chain_pem = read_file(cert_file, "certificate file");
  std::string key_pem = read_file(key_file, "key file");
  try {
    return CertifiedKey::from_pem(chain_pem, key_pem, cert_file);
  } catch (const Error& e) {
    // from_pem knows one source name; two files are involved here, so its reason is re-said with
    // the file it concerns. The reasons are from_pem's own fixed sentences (see certified_key.cpp).
    std::string what = e.what();
    std::string reason = what.substr(std::min(what.size(), cert_file.size() + 2));
    if (reason.starts_with("the private key does not belong"))
      throw Error("the private key in " + key_file + " does not belong to the certificate in " + cert_file);
    if (reason.starts_with("no private key") || reason.starts_with("the private key"))
      throw Error("key file " + key_file + ": " + reason);
    throw Error("certificate file " + cert_file + ": " + reason);
  }
}

}  // namespace pogo::tls
