// The process's metrics registry: render() is the whole Prometheus exposition of the process, what
// the admin API serves at GET /metrics. It is made of
//   - collectors: functions that whoever owns live state (a PhpBackend, a jobs::Runtime) registers
//     for as long as it lives (add_collector; the Registration unregisters in its destructor), and
//     that report gauges read at render time. While a reload keeps two of them alive for a few
//     seconds, the Writer sums their series: the gauges show both, as the process really has them;
//   - the process-lifetime families that outlive any configuration: counters and histograms kept
//     by label (http.h, php_workers.h, pools.h), the reload gauges, the admin API counter, and
//     process_* read from /proc.
//
// Threads: every function from any thread. render() runs the collectors under the registry's
// lock, so once a Registration is destroyed no call of its collector is running or will start;
// a collector must therefore not add or drop registrations, nor wait for a thread that might.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "metrics/writer.h"

namespace pogo::metrics {

class Registration {
 public:
  Registration() = default;
  explicit Registration(uint64_t id) : id_(id) {}
  Registration(Registration&& o) noexcept : id_(o.id_) { o.id_ = 0; }
  Registration& operator=(Registration&& o) noexcept;
  Registration(const Registration&) = delete;
  Registration& operator=(const Registration&) = delete;
  ~Registration();  // waits for a render() running the collector to finish with it
  void reset();     // unregisters now

 private:
  uint64_t id_ = 0;
};

Registration add_collector(std::function<void(Writer&)> collector);

std::string render();

// After every load or reload of the configuration: caddy_config_last_reload_successful, and when
// `ok` caddy_config_last_reload_success_timestamp_seconds (now).
void config_loaded(bool ok);

// One admin API request: caddy_admin_http_requests_total{handler,path,code,method}, labelled as
// Caddy does (code 0 counts as 200; the method upper-cased).
void admin_request(std::string_view handler, std::string_view path, std::string_view method, int code);

// process_* as Prometheus' Go client exports them on Linux (process.cpp).
void collect_process(Writer& w);

}  // namespace pogo::metrics
