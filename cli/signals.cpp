#include <csignal>
#include <pthread.h>

#include "cli/commands.h"

namespace pogo::cli {

namespace {
sigset_t shutdown_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGUSR1);  // pogo run: reload (runtime.h)
  return set;
}
}  // namespace

void block_shutdown_signals() {
  std::signal(SIGPIPE, SIG_IGN);
  sigset_t set = shutdown_set();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int wait_for_shutdown_signal() {
  sigset_t set = shutdown_set();
  for (;;) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) continue;
    if (sig == SIGTERM || sig == SIGINT) return sig;
    // SIGHUP: no reload yet; keep serving.
  }
}

}  // namespace pogo::cli
