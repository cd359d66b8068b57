#include "cli/open_files_limit.h"

#include <sys/resource.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "server/log.h"

namespace pogo::cli {

namespace {
// RLIM_INFINITY is not a valid soft limit for descriptors: the kernel caps it at fs.nr_open.
rlim_t nr_open() {
  rlim_t n = 1 << 20;  // the kernel's default
  if (FILE* f = std::fopen("/proc/sys/fs/nr_open", "re")) {
    unsigned long v = 0;
    if (std::fscanf(f, "%lu", &v) == 1 && v > 0) n = rlim_t(v);
    std::fclose(f);
  }
  return n;
}
}  // namespace

void raise_open_files_limit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  const rlim_t was = lim.rlim_cur;
  rlim_t target = lim.rlim_max == RLIM_INFINITY ? nr_open() : lim.rlim_max;
  if (lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur < target) {
    lim.rlim_cur = target;
    if (::setrlimit(RLIMIT_NOFILE, &lim) != 0) {
      log::warn("pogo", "could not raise the open files limit",
                {{"soft", was}, {"hard", target}, {"error", std::strerror(errno)}});
      return;
    }
    log::info("pogo", "open files limit raised", {{"from", was}, {"to", target}});
    return;
  }
  log::debug("pogo", "open files limit", {{"soft", was}});
}

}  // namespace pogo::cli
