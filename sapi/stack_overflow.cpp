#include "sapi/stack_overflow.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstring>

namespace pogo::sapi {

namespace {

// A frame larger than the guard pages skips past them; faults this far below the stack still
// count as its overflow.
constexpr uintptr_t kBelowStack = uintptr_t(1) << 20;
constexpr size_t kScriptMax = 512;

struct ThreadInfo {
  bool active = false;
  unsigned index = 0;
  uintptr_t zone_low = 0, zone_high = 0;  // the addresses whose fault means a stack overflow
  void* alt_stack = nullptr;
  size_t alt_size = 0;
  char script[kScriptMax] = "(no script)";
};

// initial-exec: read from a signal handler, it must not allocate on first use.
__attribute__((tls_model("initial-exec"))) thread_local ThreadInfo t_info;

struct sigaction g_previous[2];  // SIGSEGV, SIGBUS
bool g_installed = false;

struct sigaction& previous(int sig) { return g_previous[sig == SIGBUS ? 1 : 0]; }

// Async-signal-safe concatenation.
void append(char* buf, size_t cap, size_t& len, const char* s) {
  while (*s && len + 1 < cap) buf[len++] = *s++;
}
void append_number(char* buf, size_t cap, size_t& len, unsigned n) {
  char digits[16];
  int k = 0;
  do {
    digits[k++] = char('0' + n % 10);
    n /= 10;
  } while (n && k < 16);
  while (k && len + 1 < cap) buf[len++] = digits[--k];
}

void on_fault(int sig, siginfo_t* info, void* /*context*/) {
  const ThreadInfo& t = t_info;
  auto addr = reinterpret_cast<uintptr_t>(info->si_addr);
  if (t.active && addr >= t.zone_low && addr < t.zone_high) {
    char line[kScriptMax + 160];
    size_t len = 0;
    append(line, sizeof line, len, "pogo: PHP thread ");
    append_number(line, sizeof line, len, t.index);
    append(line, sizeof line, len, " overflowed its C stack running ");
    append(line, sizeof line, len, t.script);
    append(line, sizeof line, len, "; exiting so the supervisor restarts the server\n");
    (void)!::write(STDERR_FILENO, line, len);
    ::_exit(70);
  }
  // Not ours: put the previous handler back; the faulting instruction runs again and reaches it.
  // A signal sent with kill() does not repeat by itself, so it is raised again.
  sigaction(sig, &previous(sig), nullptr);
  if (info->si_code <= 0) raise(sig);
}

}  // namespace

void install_stack_overflow_handler() {
  if (g_installed) return;
  g_installed = true;
  struct sigaction sa {};
  sa.sa_sigaction = on_fault;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigaction(SIGSEGV, &sa, &previous(SIGSEGV));
  sigaction(SIGBUS, &sa, &previous(SIGBUS));
}

void stack_overflow_enter_thread(unsigned index, const ThreadStack& stack) {
  ThreadInfo& t = t_info;
  t.index = index;
  if (!stack.size()) return;
  size_t size = std::max<size_t>(size_t(64) << 10, size_t(4 * ::sysconf(_SC_SIGSTKSZ)));
  void* mem = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (mem == MAP_FAILED) return;  // no alternate stack: an overflow is then a plain SIGSEGV
  stack_t ss{};
  ss.ss_sp = mem;
  ss.ss_size = size;
  if (::sigaltstack(&ss, nullptr) != 0) {
    ::munmap(mem, size);
    return;
  }
  t.alt_stack = mem;
  t.alt_size = size;
  t.zone_low = stack.low > kBelowStack ? stack.low - kBelowStack : 0;
  t.zone_high = stack.low + size_t(::sysconf(_SC_PAGESIZE));
  t.active = true;
}

void stack_overflow_leave_thread() {
  ThreadInfo& t = t_info;
  t.active = false;
  if (!t.alt_stack) return;
  stack_t ss{};
  ss.ss_flags = SS_DISABLE;
  ::sigaltstack(&ss, nullptr);
  ::munmap(t.alt_stack, t.alt_size);
  t.alt_stack = nullptr;
}

void stack_overflow_note_script(const char* script) {
  ThreadInfo& t = t_info;
  size_t n = std::min(std::strlen(script), kScriptMax - 1);
  std::memcpy(t.script, script, n);
  t.script[n] = '\0';
}

}  // namespace pogo::sapi
