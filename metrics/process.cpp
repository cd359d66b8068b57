// process_* from /proc, read at render time, with the names, types and HELP texts of Prometheus'
// Go client (its process collector on Linux).
#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "metrics/registry.h"

namespace pogo::metrics {

namespace {

// Fields of /proc/self/stat after the command name (which may hold spaces and parentheses).
bool read_stat(std::vector<std::string>& fields) {
  std::ifstream in("/proc/self/stat");
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t close = all.rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream rest(all.substr(close + 1));
  std::string f;
  while (rest >> f) fields.push_back(f);
  return fields.size() > 21;
}

double boot_time() {
  std::ifstream in("/proc/stat");
  std::string key;
  double value = 0;
  while (in >> key) {
    if (key == "btime") {
      in >> value;
      return value;
    }
    in.ignore(1 << 20, '\n');
  }
  return 0;
}

int open_fds() {
  DIR* d = ::opendir("/proc/self/fd");
  if (!d) return -1;
  int n = 0;
  while (dirent* e = ::readdir(d))
    if (e->d_name[0] != '.') ++n;
  ::closedir(d);
  return n - 1;  // the directory's own descriptor
}

}  // namespace

void collect_process(Writer& w) {
  // Fields after ")": [0] state ... [11] utime [12] stime ... [19] starttime [20] vsize [21] rss.
  std::vector<std::string> f;
  if (read_stat(f)) {
    const double ticks = double(::sysconf(_SC_CLK_TCK));
    const double page = double(::sysconf(_SC_PAGESIZE));
    w.counter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", {},
              (std::stod(f[11]) + std::stod(f[12])) / ticks);
    w.gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.", {},
            boot_time() + std::stod(f[19]) / ticks);
    w.gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", {}, std::stod(f[20]));
    w.gauge("process_resident_memory_bytes", "Resident memory size in bytes.", {}, std::stod(f[21]) * page);
  }
  int fds = open_fds();
  if (fds >= 0) w.gauge("process_open_fds", "Number of open file descriptors.", {}, fds);
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0)
    w.gauge("process_max_fds", "Maximum number of open file descriptors.", {}, double(rl.rlim_cur));
}

}  // namespace pogo::metrics
