// What the PHP backend is asked to run: its regular threads and its workers. A worker is a
// script that boots once and then serves requests (or messages) in a loop on
// frankenphp_handle_request(); WorkerConfig is one `worker` of the Caddyfile or one
// `--worker FILE[,N]` of `pogo php-server`.
//
// Threads: plain data, built on the main thread before the backend starts.
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace pogo::sapi {

// How long a thread added by scaling may go without a request before it is removed (FrankenPHP's
// max_idle_time default).
inline constexpr std::chrono::milliseconds kDefaultMaxIdleTime{5000};

struct WorkerConfig {
  std::string file;  // the worker script; absolute (requests whose script_filename equals it go here)
  unsigned num = 0;  // threads; 0 = 2 x CPUs (FrankenPHP's default)
  std::vector<std::pair<std::string, std::string>> env;  // added to getenv() and $_SERVER
  std::string name;  // for logs; empty = the file
  // Boots in a row that end before reaching frankenphp_handle_request before start-up fails
  // (while starting) or an error is logged (later); 0 = never give up.
  unsigned max_consecutive_failures = 6;
  std::vector<std::string> match;  // request paths its php_server sends to it (informational here)
  // Declared in a php_server/php block: reached only through the requests that block routes to it
  // (RequestHead::worker, by name), never by another site's script of the same file.
  bool scoped = false;
  unsigned max_requests = 0;       // restart the worker thread after N requests; 0 = never
  // This worker's ceiling when the backend grows threads under load (thread_scaling.h); 0 = only
  // the backend's max_threads bounds it. Below `num` it means no growth.
  unsigned max_threads = 0;
  // File patterns (server/watch_pattern.h: FrankenPHP's `watch`) whose changes restart this
  // worker's threads; empty = not watched. Relative ones start from watch_base_dir ("" = the
  // current directory, as FrankenPHP resolves them).
  std::vector<std::string> watch;
  std::string watch_base_dir;
  uint64_t interrupt_group = 0;  // of its threads (script_interrupt.h)
};

struct BackendOptions {
  // PHP threads in total, workers included; 0 = 2 x CPUs. Raised to (worker threads + 1) so at
  // least one regular thread serves the scripts that are not workers.
  unsigned num_threads = 0;
  // The total may grow up to this under load (thread_scaling.h); kAutoMaxThreads = estimated from
  // memory_limit and the machine's memory; 0, or not above the starting total = no growth (a
  // worker's own max_threads then has no effect either).
  static constexpr unsigned kAutoMaxThreads = std::numeric_limits<unsigned>::max();
  unsigned max_threads = 0;
  // A thread added by growth that had no request for this long is removed.
  std::chrono::milliseconds max_idle_time = kDefaultMaxIdleTime;
  // A request that waited this long for a free thread is answered 503; 0 = wait as long as it takes.
  std::chrono::milliseconds max_wait_time{0};
  unsigned max_requests = 0;  // regular threads are replaced after N requests; 0 = never
  std::vector<WorkerConfig> workers;
  // Of every thread of the backend, workers' included (script_interrupt.h); 0 = none.
  uint64_t interrupt_group = 0;
};

// The name used for a worker in logs and errors.
inline const std::string& worker_display_name(const WorkerConfig& c) { return c.name.empty() ? c.file : c.name; }

}  // namespace pogo::sapi
