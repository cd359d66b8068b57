// A FileReader streams a byte range of an open file into a reusable buffer, chunk by chunk,
// without blocking the loop: it reads straight from the page cache when the data is there
// (preadv2 with RWF_NOWAIT) and falls back to libuv's thread pool (uv_fs_read) when it is not.
// Only one chunk exists at a time, so memory stays at one buffer whatever the file size.
// A file the open-file cache holds in memory (file_cache.h) is "read" from that shared copy
// instead: chunks are views into it, no syscall, never Pending.
//
// Threads: one loop thread. Must not be destroyed while busy() (a pool read is in flight).
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace pogo::server {

class FileReader {
 public:
  static constexpr size_t kChunk = 64 << 10;

  // Takes ownership of `fd`.
  FileReader(uv_loop_t* loop, int fd, uint64_t offset, uint64_t length);
  // Serves [offset, offset + length) of `content`, which it keeps alive.
  FileReader(std::shared_ptr<const std::string> content, uint64_t offset, uint64_t length);
  ~FileReader();
  // The same as constructing anew, for a reader that is not busy(): a stream keeps its last one,
  // so serving the next file allocates nothing (the read buffer is kept when it is large enough).
  void reuse(uv_loop_t* loop, int fd, uint64_t offset, uint64_t length);
  void reuse(std::shared_ptr<const std::string> content, uint64_t offset, uint64_t length);
  FileReader(const FileReader&) = delete;
  FileReader& operator=(const FileReader&) = delete;

  enum class Status { Data, Pending, Done, Failed };
  // Data: `chunk` holds the next bytes, valid until the next call. Pending: `on_ready(ctx, this,
  // ok)` runs later on the loop thread (ctx kept alive until then); call next() again then. A plain
  // function and a shared context: asking for the next chunk allocates nothing.
  using ReadyFn = void (*)(void* ctx, FileReader* reader, bool ok);
  Status next(std::string_view& chunk, ReadyFn on_ready, const std::shared_ptr<void>& ctx);

  bool busy() const { return in_flight_; }
  // The descriptor and position when the next bytes may be sent by other means (sendfile): a
  // file (not memory), nothing read ahead or in flight. -1 otherwise.
  int direct_fd() const { return fd_ >= 0 && !in_flight_ && ready_ == 0 && !failed_ ? fd_ : -1; }
  uint64_t offset() const { return offset_; }
  // `n` bytes from offset() were sent by other means.
  void skip(uint64_t n);
  static bool page_cache_reads();
  // Process-wide: false forces every read through the thread pool (tests of that path).
  static void set_page_cache_reads(bool enabled);
  uint64_t remaining() const { return remaining_; }

 private:
  static void on_read(uv_fs_t* req);

  uv_loop_t* loop_ = nullptr;
  int fd_ = -1;
  std::shared_ptr<const std::string> content_;  // in-memory mode when set
  uint64_t offset_ = 0;
  uint64_t remaining_ = 0;
  std::unique_ptr<char[]> buf_;  // allocated at the first read (never, when sendfile sends it all)
  size_t buf_capacity_ = 0;       // of buf_
  size_t buf_size_ = 0;           // what this file's reads use of it
  size_t ready_ = 0;  // bytes of a finished pool read waiting in buf_
  bool in_flight_ = false;
  bool failed_ = false;
  uv_fs_t req_{};
  ReadyFn on_ready_ = nullptr;
  std::shared_ptr<void> on_ready_ctx_;  // only while a pool read is in flight
};

}  // namespace pogo::server
