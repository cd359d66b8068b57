#include "server/file_cache.h"

#include <fcntl.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>

#include "server/http_date.h"
#include "server/mime.h"
#include "server/path_safety.h"
#include "server/static_files.h"

#ifndef RWF_NOWAIT
#define RWF_NOWAIT 0x00000008
#endif

namespace pogo::server {

namespace {

bool same_file(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino && a.st_size == b.st_size && a.st_mode == b.st_mode &&
         a.st_mtim.tv_sec == b.st_mtim.tv_sec && a.st_mtim.tv_nsec == b.st_mtim.tv_nsec &&
         a.st_ctim.tv_sec == b.st_ctim.tv_sec && a.st_ctim.tv_nsec == b.st_ctim.tv_nsec;
}

// The whole content of a small open file, read from the page cache only (the loop never waits
// for a disk; a file not cached is streamed by FileReader this time and loaded at a later
// revalidation). Null when it could not be read whole or changed meanwhile.
std::shared_ptr<const std::string> read_small(int fd, const struct stat& st) {
  auto body = std::make_shared<std::string>(size_t(st.st_size), '\0');
  size_t got = 0;
  bool nowait = true;
  while (got < body->size()) {
    iovec iov{body->data() + got, body->size() - got};
    ssize_t n = ::preadv2(fd, &iov, 1, off_t(got), nowait ? RWF_NOWAIT : 0);
    if (n < 0 && nowait && (errno == EOPNOTSUPP || errno == ENOSYS || errno == EINVAL)) {
      nowait = false;  // this file system cannot say; a small read, like the open before it
      continue;
    }
    if (n <= 0) return nullptr;  // EAGAIN (not in the page cache), an error, or it shrank
    got += size_t(n);
  }
  struct stat after {};
  if (::fstat(fd, &after) != 0 || !same_file(st, after)) return nullptr;  // written while we read
  return body;
}

}  // namespace

CachedFile::~CachedFile() {
  if (fd >= 0) ::close(fd);
}

int CachedFile::dup_fd() const {
  if (fd >= 0) return ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  return ::open(real.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
}

FileCache::FileCache() : FileCache(Limits{}) {}

FileCache::FileCache(Limits limits) : limits_(limits) {}

FileCache& FileCache::local() {
  thread_local FileCache cache;
  return cache;
}

int64_t FileCache::now_ms() const {
  // The coarse clock is read from the vDSO: no syscall, a few ms of resolution is plenty here.
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

bool FileCache::resolve(const std::string& root, std::string_view clean, std::string* real_out, struct stat* info) {
  key_.assign(root);
  key_.push_back('\0');
  key_.append(clean);
  int64_t now = now_ms();
  auto it = resolved_.find(key_);
  if (it == resolved_.end() || !fresh(it->second.checked_ms, now)) {
    Resolution r;
    auto real = resolve_inside_root(root, clean, &r.st);
    r.found = real.has_value();
    if (real) r.real = std::move(*real);
    r.checked_ms = now;
    if (it != resolved_.end()) {
      it->second = std::move(r);
    } else {
      if (resolved_.size() >= limits_.max_entries) resolved_.clear();  // a scan of random paths: start afresh
      it = resolved_.emplace(key_, std::move(r)).first;
    }
  }
  const Resolution& r = it->second;
  if (!r.found) return false;
  if (info) *info = r.st;
  if (real_out) real_out->assign(r.real);
  return true;
}

bool FileCache::stat(std::string_view absolute, struct stat* info) {
  if (!absolute.starts_with("/")) return ::stat(std::string(absolute).c_str(), info) == 0;
  static const std::string kSlash = "/";
  return resolve(kSlash, absolute, nullptr, info);
}

bool FileCache::is_regular(std::string_view absolute) {
  struct stat st {};
  return stat(absolute, &st) && S_ISREG(st.st_mode);
}

std::shared_ptr<const CachedFile> FileCache::load(const std::string& real, int* error) {
  int fd = ::open(real.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    if (error) *error = errno;
    return nullptr;
  }
  auto f = std::make_shared<CachedFile>();
  f->fd = fd;  // closed with f
  if (::fstat(fd, &f->st) != 0 || !S_ISREG(f->st.st_mode)) {
    if (error) *error = ENOENT;  // a directory or a device is no static file
    return nullptr;
  }
  f->real = real;
  f->etag = make_etag(f->st);
  f->last_modified = format_http_date(f->st.st_mtim.tv_sec);
  f->content_type = mime_type_for(real);
  uint64_t size = uint64_t(f->st.st_size);
  if (size <= limits_.max_body && size <= limits_.max_bytes) {
    f->body = read_small(fd, f->st);
  }
  if (f->body || open_fds_ >= limits_.max_open) {
    ::close(f->fd);  // in memory, or too many held open: dup_fd() opens the path again
    f->fd = -1;
  }
  return f;
}

std::shared_ptr<const CachedFile> FileCache::file(const std::string& real, int* error) {
  int64_t now = now_ms();
  auto it = files_.find(real);
  if (it != files_.end()) {
    FileSlot& slot = it->second;
    bool reuse = fresh(slot.checked_ms, now);
    if (!reuse) {
      struct stat st {};
      // Unchanged: trusted for another max_age, except a small body the page cache did not have
      // when it was loaded, which is tried again now.
      reuse = ::stat(real.c_str(), &st) == 0 && same_file(st, slot.file->st) &&
              (slot.file->body || uint64_t(st.st_size) > limits_.max_body);
      if (reuse) slot.checked_ms = now;
    }
    if (reuse) {
      lru_.splice(lru_.begin(), lru_, slot.lru);
      return slot.file;
    }
    forget(it);
  }
  auto f = load(real, error);
  if (!f) return nullptr;
  if (files_.size() >= limits_.max_files) forget(files_.find(lru_.back()));
  lru_.push_front(real);
  if (f->fd >= 0) ++open_fds_;
  files_.emplace(real, FileSlot{f, now, lru_.begin()});
  if (f->body) {
    body_bytes_ += f->body->size();
    trim();
  }
  return f;
}

void FileCache::forget(std::unordered_map<std::string, FileSlot>::iterator it) {
  if (const auto& body = it->second.file->body) body_bytes_ -= body->size();
  if (it->second.file->fd >= 0) --open_fds_;  // closed when the last response using it ends
  lru_.erase(it->second.lru);
  files_.erase(it);  // a response still sending it keeps its own reference
}

void FileCache::trim() {
  // The least recently used go first; the newest entry (at the front) always stays.
  while (body_bytes_ > limits_.max_bytes && lru_.size() > 1) forget(files_.find(lru_.back()));
}

}  // namespace pogo::server
