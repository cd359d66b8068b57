// What keeps a shutdown bounded. Started on the first SIGTERM/SIGINT, a ShutdownWatch thread keeps
// taking the shutdown signals while the main thread stops the server and the PHP threads:
//
//  - a second SIGTERM or SIGINT ends the process at once with exit status 2 (as Caddy does), after
//    one log line: the operator asked twice;
//  - once the grace period is over (start_grace()), the PHP scripts still running are interrupted
//    (the `interrupt` callback, repeated every 100 ms: a script can enter a blocking call just
//    after being woken), so the threads can end and the shutdown goes on;
//  - if the process is still there kStopBound after that (a thread stuck in C code that no
//    interrupt reaches), it says so and ends with exit status 3 (Caddy's ExitCodeFailedQuit: the
//    stop failed; 1 is Caddy's start-up failure, after which supervisors should not restart).
//
// Every exit here is _exit() after the log line: the log writes each line with one write(2), so
// nothing is left to flush, and the threads still running must not run static destructors.
//
// Threads: constructed, start_grace() and destroyed on the main thread (which must keep SIGTERM,
// SIGINT and SIGHUP blocked, as every thread does); the watch runs on its own thread.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

namespace pogo::cli {

class ShutdownWatch {
 public:
  static constexpr std::chrono::milliseconds kStopBound{2000};
  // Caddy's exit codes: 0 success, 1 failed start-up, 2 forced quit, 3 failed quit.
  static constexpr int kForceQuit = 2;
  static constexpr int kFailedQuit = 3;
  static constexpr std::chrono::milliseconds kInterruptEvery{100};

  // `interrupt` stops the running PHP scripts and returns how many it reached (null: no PHP).
  explicit ShutdownWatch(std::function<unsigned()> interrupt);
  ~ShutdownWatch();  // the shutdown finished: stops watching
  ShutdownWatch(const ShutdownWatch&) = delete;
  ShutdownWatch& operator=(const ShutdownWatch&) = delete;

  // The grace period starts now (after shutdown_delay).
  void start_grace(std::chrono::milliseconds grace);

 private:
  void run();

  std::function<unsigned()> interrupt_;
  std::atomic<bool> done_{false};
  std::atomic<std::chrono::steady_clock::rep> grace_end_{0};  // 0: not started
  std::thread thread_;
};

}  // namespace pogo::cli
