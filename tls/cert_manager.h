// CertificateManager keeps the server's certificates: one managed certificate per name, as Caddy
// manages them, obtained from the name's Issuer at start-up, kept in Caddy's storage layout, and
// renewed in the background once two thirds of its lifetime have passed (certmagic's renewal
// window ratio 1/3; 8 hours into a 12-hour internal leaf). It is also the CertificateSource the
// TLS handshakes ask: exact name, then a one-label wildcard, then for a handshake without SNI a
// default. Certificates loaded from files (`tls cert key`) are served alongside and never renewed.
//
// Start-up: a certificate in storage that is valid and not yet due is used as is. Otherwise an
// issuer that obtains "before serving" (the internal one, by default: it is local and takes
// milliseconds) obtains it in start(), and start() fails if it cannot; any other issuer (ACME)
// obtains in the background, so a CA that is slow or down delays no site but its own, and a
// failure is a log line followed by retries on certmagic's schedule (1, 2, 2, 5, 10... minutes,
// up to 6 hours between attempts; certmagic stops after 30 days, Pogo keeps retrying every 6 h).
// A stored certificate that is still valid but due is served while its renewal runs.
//
// Threads: manage(), add_loaded() and on_stop() on the main thread before start(); start(),
// stop() on the main thread. Each distinct issuer gets one background thread, which is the only
// one that calls its issue() after start() (so internal renewals never wait behind an ACME order,
// and one issuer is never asked twice at once). certificate_for() is called by loop threads on
// every handshake and takes a shared lock; a renewal swaps the shared_ptr under the exclusive
// one, so a handshake sees the old certificate or the new one, whole.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "tls/certified_key.h"
#include "tls/clock.h"
#include "tls/issuer.h"
#include "tls/server_context.h"
#include "tls/storage.h"

namespace pogo::tls {

// The levels of pogo::log::Level, which tls/ cannot include.
inline constexpr int kLogDebug = -4, kLogInfo = 0, kLogWarn = 4, kLogError = 8;

// certmagic's retry intervals (async.go): short first, as intermittent errors clear quickly;
// then long, as DNS or firewall fixes take a person. The last one repeats.
std::vector<std::chrono::seconds> default_retry_intervals();

class CertificateManager : public CertificateSource {
 public:
  // (level, message, fields such as {"identifier": ..., "error": ...}); any manager thread.
  using Logger = std::function<void(int level, const std::string& message, const nlohmann::json& fields)>;

  struct Options {
    Clock clock = system_clock();
    // How often the background threads look at the certificates even when nothing is due
    // (certmagic's default renew check interval); they also wake when a retry or renewal is due.
    std::chrono::milliseconds check_interval = std::chrono::minutes(10);
    double renewal_ratio = 1.0 / 3.0;  // renew when this fraction of the lifetime is left
    std::vector<std::chrono::seconds> retry_intervals = default_retry_intervals();
    // The name whose certificate answers a handshake without SNI (the `default_sni` global
    // option); empty: the first managed name that has a certificate, else the first loaded one.
    std::string default_sni;
    Logger log;
  };

  enum class Startup {
    automatic,       // before_serving for an InternalIssuer, background for any other
    before_serving,  // obtained in start(), which throws if it cannot
    background,      // obtained by the issuer's thread; retried with backoff
  };

  explicit CertificateManager(Storage storage, Options options);
  explicit CertificateManager(Storage storage) : CertificateManager(std::move(storage), Options{}) {}
  ~CertificateManager() override;  // stop()
  CertificateManager(const CertificateManager&) = delete;
  CertificateManager& operator=(const CertificateManager&) = delete;

  // One managed certificate for each of `names` (lower-cased; a name already managed is kept
  // with its first issuer). Before start() only; throws tls::Error after it.
  void manage(std::vector<std::string> names, std::shared_ptr<Issuer> issuer, Startup startup = Startup::automatic);
  // A certificate from files, served under its SAN names; it wins over a managed one of the
  // same name (the configuration named it explicitly). Any time.
  void add_loaded(std::shared_ptr<const CertifiedKey> cert);
  // Called by stop() before it joins the threads, so an issue() blocked on a network (the ACME
  // issuer's cancel()) returns at once.
  void on_stop(std::function<void()> cancel);

  // Loads what storage has, obtains the before-serving certificates, and starts the background
  // threads. Throws tls::Error naming the certificate a before-serving issuer could not make.
  void start();
  // Wakes the background threads to look at their certificates now (tests, after a clock jump).
  // Returns the wake-up's number for idle_since().
  unsigned long check_now();
  // True once every background thread has looked at all its certificates after wake-up
  // `generation` and found nothing more to do (tests: the renewals and retries it caused are
  // over).
  bool idle_since(unsigned long generation) const;
  // Stops and joins the background threads; prompt unless an issue() ignores its cancel hook.
  // Idempotent.
  void stop();

  // CertificateSource: exact name, then a one-label wildcard (*.example.com serves a.example.com,
  // not a.b.example.com); for "" — or an IP address nothing matches, which is how the server
  // asks for a handshake without SNI (by its local address) — the default: default_sni's
  // certificate, else the first managed name's, else the first loaded one. nullptr when nothing
  // matches.
  std::shared_ptr<const CertifiedKey> certificate_for(std::string_view server_name) override;

  // What one managed name is doing (tests, the admin API).
  struct Status {
    std::string name;
    std::string issuer;  // its storage key
    std::shared_ptr<const CertifiedKey> certificate;  // nullptr until obtained
    TimePoint next_check;  // its renewal time, or its next retry after a failure
    int failures = 0;      // consecutive failed attempts
  };
  std::vector<Status> status() const;

 private:
  struct Managed;
  struct Worker;

  void load_or_obtain_at_start(Managed& m);
  bool install_from_storage(Managed& m, bool accept_due);
  void obtain(Managed& m);  // issue, store, install; throws
  void attempt(Managed& m);  // obtain with logging and backoff; never throws
  void install(Managed& m, std::shared_ptr<const CertifiedKey> cert);
  TimePoint renewal_time(const CertifiedKey& cert) const;
  void run(Worker& w);
  void log(int level, const std::string& message, nlohmann::json fields) const;

  Storage storage_;
  Options options_;

  // Guards the managed list's scheduling state (next_check, failures, in-flight) and the
  // workers; the certificates themselves are under certs_mu_.
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool started_ = false, stopping_ = false;
  unsigned long wake_generation_ = 0;
  std::vector<std::unique_ptr<Managed>> managed_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::function<void()>> cancel_hooks_;

  mutable std::shared_mutex certs_mu_;
  std::map<std::string, std::shared_ptr<const CertifiedKey>, std::less<>> managed_by_name_;
  std::map<std::string, std::shared_ptr<const CertifiedKey>, std::less<>> loaded_by_name_;
  std::vector<std::string> managed_order_;
  std::shared_ptr<const CertifiedKey> first_loaded_;
};

}  // namespace pogo::tls
