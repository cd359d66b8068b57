// Spool: a FIFO that keeps its oldest bytes in memory and the rest in an unlinked temporary file.
// Real files in $TMPDIR; the cases are about order (memory always older than the file), reuse of
// the file once read to its end, and a clear error when no file can be made.
#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

#include "server/spool.h"

using pogo::server::Spool;

namespace {
std::string drain(Spool& s, size_t piece) {
  std::string out, buf(piece, '\0');
  while (size_t n = s.read(buf.data(), buf.size())) out.append(buf, 0, n);
  return out;
}
}  // namespace

TEST_CASE("spool: bytes past the memory limit go to the file and come back in order") {
  Spool s(10);
  CHECK(s.append("abcdefgh"));  // memory
  CHECK(s.memory_bytes() == 8);
  CHECK(s.append("ijkl"));      // would pass 10: file
  CHECK(s.file_bytes() == 4);
  CHECK(s.append("m"));         // memory has room, but the file holds unread bytes: file
  CHECK(s.file_bytes() == 5);
  CHECK(s.size() == 13);
  CHECK(drain(s, 3) == "abcdefghijklm");
  CHECK(s.empty());
  CHECK(s.error().empty());
}

TEST_CASE("spool: a file read to its end is reused, and memory is used again once the file is empty") {
  Spool s(4);
  std::string expected;
  for (int round = 0; round < 50; ++round) {
    std::string piece = std::to_string(round) + "-payload-" + std::to_string(round * 7);
    CHECK(s.append(piece));
    expected += piece;
    if (round % 3 == 2) {  // read some, leave some
      std::string buf(5, '\0');
      size_t n = s.read(buf.data(), buf.size());
      REQUIRE(n > 0);
      CHECK(buf.substr(0, n) == expected.substr(0, n));
      expected.erase(0, n);
    }
  }
  CHECK(drain(s, 7) == expected);
  CHECK(s.append("ab"));
  CHECK(s.memory_bytes() == 2);  // empty again: back to memory
  CHECK(drain(s, 7) == "ab");
}

TEST_CASE("spool: force_file sends bytes to the file even with memory free") {
  Spool s(1 << 20);
  CHECK(s.append("x", true));
  CHECK(s.file_bytes() == 1);
  CHECK(s.append("y"));  // behind the file's byte
  CHECK(s.file_bytes() == 2);
  CHECK(drain(s, 1) == "xy");
}

TEST_CASE("spool: no temporary file can be made: append fails and says why") {
  const char* old = std::getenv("TMPDIR");
  std::string saved = old ? old : "";
  setenv("TMPDIR", "/nonexistent-pogo-spool-dir", 1);
  Spool s(2);
  CHECK(s.append("ab"));            // memory: fine
  CHECK_FALSE(s.append("cd"));      // needs the file
  CHECK(s.error().find("/nonexistent-pogo-spool-dir") != std::string::npos);
  CHECK(drain(s, 8) == "ab");       // what was kept is intact
  if (old) setenv("TMPDIR", saved.c_str(), 1);
  else unsetenv("TMPDIR");
}
