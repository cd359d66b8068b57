#include "server/file_reader.h"

#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>

#ifndef RWF_NOWAIT
#define RWF_NOWAIT 0x00000008
#endif

namespace pogo::server {

namespace {
// Cleared the first time the kernel or file system says RWF_NOWAIT is not supported.
std::atomic<bool> g_nowait_supported{true};
}  // namespace

void FileReader::set_page_cache_reads(bool enabled) { g_nowait_supported.store(enabled); }

bool FileReader::page_cache_reads() { return g_nowait_supported.load(std::memory_order_relaxed); }

void FileReader::skip(uint64_t n) {
  n = std::min(n, remaining_);
  offset_ += n;
  remaining_ -= n;
}

FileReader::FileReader(uv_loop_t* loop, int fd, uint64_t offset, uint64_t length) { reuse(loop, fd, offset, length); }

FileReader::FileReader(std::shared_ptr<const std::string> content, uint64_t offset, uint64_t length) {
  reuse(std::move(content), offset, length);
}

FileReader::~FileReader() {
  if (fd_ >= 0) ::close(fd_);
}

void FileReader::reuse(uv_loop_t* loop, int fd, uint64_t offset, uint64_t length) {
  reuse(nullptr, offset, length);
  loop_ = loop;
  fd_ = fd;
  buf_size_ = size_t(std::min<uint64_t>(length ? length : 1, kChunk));
  req_ = uv_fs_t{};
  req_.data = this;
}

void FileReader::reuse(std::shared_ptr<const std::string> content, uint64_t offset, uint64_t length) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  loop_ = nullptr;
  content_ = std::move(content);
  offset_ = offset;
  remaining_ = length;
  buf_size_ = 0;
  ready_ = 0;
  in_flight_ = failed_ = false;
  on_ready_ = nullptr;
  on_ready_ctx_.reset();
}

FileReader::Status FileReader::next(std::string_view& chunk, ReadyFn on_ready, const std::shared_ptr<void>& ctx) {
  if (failed_) return Status::Failed;
  if (in_flight_) return Status::Pending;
  if (ready_ > 0) {
    chunk = std::string_view(buf_.get(), ready_);
    ready_ = 0;
    return Status::Data;
  }
  if (remaining_ == 0) return Status::Done;
  if (content_) {
    size_t n = size_t(std::min<uint64_t>(remaining_, kChunk));
    chunk = std::string_view(content_->data() + offset_, n);
    offset_ += n;
    remaining_ -= n;
    return Status::Data;
  }
  size_t want = size_t(std::min<uint64_t>(remaining_, buf_size_));
  if (buf_capacity_ < buf_size_) {
    buf_.reset(new char[buf_size_]);
    buf_capacity_ = buf_size_;
  }
  if (g_nowait_supported.load(std::memory_order_relaxed)) {
    iovec iov{buf_.get(), want};
    ssize_t n = ::preadv2(fd_, &iov, 1, off_t(offset_), RWF_NOWAIT);
    if (n > 0) {
      offset_ += uint64_t(n);
      remaining_ -= uint64_t(n);
      chunk = std::string_view(buf_.get(), size_t(n));
      return Status::Data;
    }
    if (n == 0) {  // the file shrank under us
      failed_ = true;
      return Status::Failed;
    }
    if (errno == EOPNOTSUPP || errno == ENOSYS || errno == EINVAL) g_nowait_supported.store(false);
    // EAGAIN (not cached) and the rest: let the pool do a blocking read.
  }
  uv_buf_t b = uv_buf_init(buf_.get(), unsigned(want));
  on_ready_ = on_ready;
  on_ready_ctx_ = ctx;
  int rc = uv_fs_read(loop_, &req_, fd_, &b, 1, int64_t(offset_), &FileReader::on_read);
  if (rc < 0) {
    failed_ = true;
    return Status::Failed;
  }
  in_flight_ = true;
  return Status::Pending;
}

void FileReader::on_read(uv_fs_t* req) {
  auto* self = static_cast<FileReader*>(req->data);
  ssize_t n = req->result;
  uv_fs_req_cleanup(req);
  self->in_flight_ = false;
  if (n > 0) {
    self->offset_ += uint64_t(n);
    self->remaining_ -= uint64_t(n);
    self->ready_ = size_t(n);
  } else {
    self->failed_ = true;
  }
  ReadyFn cb = self->on_ready_;
  std::shared_ptr<void> ctx = std::move(self->on_ready_ctx_);
  self->on_ready_ = nullptr;
  if (cb) cb(ctx.get(), self, n > 0);  // may destroy self
}

}  // namespace pogo::server
