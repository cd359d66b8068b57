#include "server/spool.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace pogo::server {

Spool::~Spool() {
  if (fd_ >= 0) ::close(fd_);
}

std::string Spool::temp_dir() {
  const char* t = std::getenv("TMPDIR");
  return t && *t ? t : "/tmp";
}

bool Spool::open_file() {
  std::string dir = temp_dir();
  // An unnamed file where the kernel supports it; else a named one, unlinked at once. Either way
  // nothing is left behind when the process dies.
  fd_ = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd_ < 0) {
    std::string path = dir + "/pogo-spool-XXXXXX";
    fd_ = ::mkostemp(path.data(), O_CLOEXEC);
    if (fd_ >= 0) ::unlink(path.c_str());
  }
  if (fd_ < 0) error_ = "temporary file in " + dir + ": " + std::strerror(errno);
  return fd_ >= 0;
}

bool Spool::append(std::string_view data, bool force_file) {
  if (data.empty()) return true;
  if (file_bytes() == 0 && !force_file && memory_bytes() + data.size() <= memory_limit_) {
    if (memory_pos_ > 0 && memory_pos_ == memory_.size()) {
      memory_.clear();
      memory_pos_ = 0;
    }
    memory_.append(data);
    return true;
  }
  if (fd_ < 0 && !open_file()) return false;
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::pwrite(fd_, data.data() + done, data.size() - done, off_t(file_end_ + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error_ = std::string("writing the temporary file: ") + (n < 0 ? std::strerror(errno) : "no space");
      return false;
    }
    done += size_t(n);
  }
  file_end_ += data.size();
  return true;
}

size_t Spool::read(char* buf, size_t n) {
  if (memory_bytes() > 0) {
    size_t got = std::min(n, memory_bytes());
    std::memcpy(buf, memory_.data() + memory_pos_, got);
    memory_pos_ += got;
    if (memory_pos_ == memory_.size()) {
      memory_.clear();
      memory_pos_ = 0;
    } else if (memory_pos_ > memory_limit_ / 2 && memory_pos_ > (64u << 10)) {
      memory_.erase(0, memory_pos_);
      memory_pos_ = 0;
    }
    return got;
  }
  if (file_bytes() == 0) return 0;
  size_t want = size_t(std::min<uint64_t>(n, file_bytes()));
  ssize_t got;
  do {
    got = ::pread(fd_, buf, want, off_t(file_pos_));
  } while (got < 0 && errno == EINTR);
  if (got <= 0) {
    error_ = std::string("reading the temporary file: ") + (got < 0 ? std::strerror(errno) : "short file");
    return 0;
  }
  file_pos_ += size_t(got);
  if (file_pos_ == file_end_) {
    // Read to its end: rewind, so a long stream reuses the same blocks. The blocks are given back
    // only when the file grew large (a truncate on every turn would cost a syscall for nothing).
    if (file_end_ > (8u << 20)) (void)::ftruncate(fd_, 0);
    file_pos_ = file_end_ = 0;
  }
  return size_t(got);
}

}  // namespace pogo::server
