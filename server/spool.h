// A Spool is a byte FIFO that keeps its first bytes in memory and the rest in an unlinked
// temporary file: how a request body or a response waits for the slower side without holding a
// PHP thread and without unbounded memory (nginx's client body and proxy buffering do the same).
// Bytes go to memory while the file holds nothing unread and memory is under its limit; once they
// spill, later bytes follow them into the file, so memory always holds the oldest bytes and a
// reader drains memory first, then the file. The file is made on the first spill and reused
// (rewound) whenever it has been read to its end.
//
// Threads: none of its own; not thread-safe. The owner serializes every call (Exchange does it
// under its mutex).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace pogo::server {

class Spool {
 public:
  // `memory_limit`: bytes kept in memory before spilling to the file.
  explicit Spool(size_t memory_limit) : memory_limit_(memory_limit) {}
  ~Spool();
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  // Appends. When `force_file` is true the bytes go to the file even if memory has room (the
  // owner's global memory budget is spent). False when the temporary file could not be made or
  // written (disk full, no TMPDIR): the bytes are not kept, `error()` says why.
  bool append(std::string_view data, bool force_file = false);
  // Reads up to n of the oldest bytes; returns how many (0 when empty or on a read error).
  size_t read(char* buf, size_t n);

  uint64_t size() const { return memory_.size() - memory_pos_ + (file_end_ - file_pos_); }
  bool empty() const { return size() == 0; }
  size_t memory_bytes() const { return memory_.size() - memory_pos_; }
  uint64_t file_bytes() const { return file_end_ - file_pos_; }
  const std::string& error() const { return error_; }

  // The directory of temporary files: $TMPDIR, else /tmp.
  static std::string temp_dir();

 private:
  bool open_file();

  const size_t memory_limit_;
  std::string memory_;
  size_t memory_pos_ = 0;
  int fd_ = -1;
  uint64_t file_pos_ = 0, file_end_ = 0;
  std::string error_;
};

}  // namespace pogo::server
