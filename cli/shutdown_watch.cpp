#include "cli/shutdown_watch.h"

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <ctime>

#include "server/log.h"

namespace pogo::cli {

namespace {
using Clock = std::chrono::steady_clock;
constexpr long kTickNs = 50'000'000;  // how often the deadlines are looked at
}  // namespace

ShutdownWatch::ShutdownWatch(std::function<unsigned()> interrupt)
    : interrupt_(std::move(interrupt)), thread_([this] { run(); }) {}

ShutdownWatch::~ShutdownWatch() {
  done_.store(true);
  if (thread_.joinable()) thread_.join();
}

void ShutdownWatch::start_grace(std::chrono::milliseconds grace) {
  auto end = Clock::now() + grace;
  grace_end_.store(std::max<Clock::rep>(1, end.time_since_epoch().count()));
}

void ShutdownWatch::run() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  bool interrupted = false;
  Clock::time_point give_up{}, next_interrupt{};
  while (!done_.load()) {
    timespec tick{0, kTickNs};
    int sig = sigtimedwait(&set, nullptr, &tick);
    if (sig == SIGTERM || sig == SIGINT) {
      log::warn("pogo", "second signal during shutdown; exiting now",
                {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}, {"exit_status", kForceQuit}});
      ::_exit(kForceQuit);
    }
    auto grace_end = grace_end_.load();
    if (!grace_end) continue;
    auto now = Clock::now();
    if (now < Clock::time_point(Clock::duration(grace_end))) continue;
    if (!interrupted) {
      interrupted = true;
      give_up = now + kStopBound;
      next_interrupt = now + kInterruptEvery;
      unsigned n = interrupt_ ? interrupt_() : 0;
      if (n) log::warn("pogo", "grace period over; interrupting running PHP scripts", {{"scripts", n}});
    } else if (now >= give_up) {
      log::error("pogo", "shutdown did not finish in time after the grace period; exiting",
                 {{"waited_ms", std::chrono::duration_cast<std::chrono::milliseconds>(kStopBound).count()},
                  {"exit_status", kFailedQuit}});
      ::_exit(kFailedQuit);
    } else if (now >= next_interrupt) {
      next_interrupt = now + kInterruptEvery;
      if (interrupt_) interrupt_();
    }
  }
}

}  // namespace pogo::cli
