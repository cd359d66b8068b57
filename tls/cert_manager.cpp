#include "tls/cert_manager.h"

#include <algorithm>

#include "tls/cert_builder.h"
#include "tls/error.h"
#include "tls/internal_issuer.h"

namespace pogo::tls {

using namespace std::chrono_literals;

struct CertificateManager::Managed {
  std::string name;
  std::shared_ptr<Issuer> issuer;
  std::string issuer_key;
  bool before_serving = false;
  // Under mu_ once the threads run.
  std::shared_ptr<const CertifiedKey> cert;
  TimePoint next_check{};
  int failures = 0;
};

struct CertificateManager::Worker {
  Issuer* issuer = nullptr;
  std::vector<Managed*> items;
  std::thread thread;
  unsigned long idle_generation = 0;  // under mu_: the last wake-up after which it went idle
};

namespace {

std::string normalize_name(std::string_view in) {
  std::string s(in);
  if (s.size() > 2 && s.front() == '[' && s.back() == ']') s = s.substr(1, s.size() - 2);
  while (!s.empty() && s.back() == '.') s.pop_back();
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

bool covers(const CertifiedKey& cert, const std::string& name) {
  return std::any_of(cert.names.begin(), cert.names.end(),
                     [&](const std::string& n) { return normalize_name(n) == name; });
}

long long seconds_of(std::chrono::system_clock::duration d) {
  return std::chrono::duration_cast<std::chrono::seconds>(d).count();
}

}  // namespace

std::vector<std::chrono::seconds> default_retry_intervals() {
  using std::chrono::minutes, std::chrono::hours;
  return {minutes(1),  minutes(2),  minutes(2),  minutes(5),  minutes(10), minutes(10), minutes(10),
          minutes(20), minutes(20), minutes(20), minutes(20), minutes(30), minutes(30), minutes(30),
          minutes(30), minutes(30), minutes(30), hours(1),    hours(1),    hours(1),    hours(2),
          hours(2),    hours(3),    hours(3),    hours(6)};
}

CertificateManager::CertificateManager(Storage storage, Options options)
    : storage_(std::move(storage)), options_(std::move(options)) {
  if (options_.retry_intervals.empty()) options_.retry_intervals = default_retry_intervals();
  if (!options_.clock) options_.clock = system_clock();
  options_.default_sni = normalize_name(options_.default_sni);
}

CertificateManager::~CertificateManager() { stop(); }

void CertificateManager::log(int level, const std::string& message, nlohmann::json fields) const {
  if (!options_.log) return;
  try {
    options_.log(level, message, fields);
  } catch (...) {
    // A logger that throws must not take a renewal thread down with it.
  }
}

void CertificateManager::manage(std::vector<std::string> names, std::shared_ptr<Issuer> issuer, Startup startup) {
  if (!issuer) throw Error("certificate manager: no issuer for " + (names.empty() ? std::string("()") : names[0]));
  bool before = startup == Startup::before_serving ||
                (startup == Startup::automatic && dynamic_cast<InternalIssuer*>(issuer.get()) != nullptr);
  std::lock_guard lock(mu_);
  if (started_) throw Error("certificate manager: manage() after start()");
  for (const std::string& raw : names) {
    std::string name = normalize_name(raw);
    if (name.empty()) throw Error("certificate manager: an empty name");
    bool known = std::any_of(managed_.begin(), managed_.end(), [&](const auto& m) { return m->name == name; });
    if (known) continue;
    auto m = std::make_unique<Managed>();
    m->name = name;
    m->issuer = issuer;
    m->issuer_key = issuer->storage_key();
    m->before_serving = before;
    managed_.push_back(std::move(m));
    std::unique_lock certs(certs_mu_);
    managed_order_.push_back(name);
  }
}

void CertificateManager::add_loaded(std::shared_ptr<const CertifiedKey> cert) {
  if (!cert) return;
  std::unique_lock lock(certs_mu_);
  for (const std::string& n : cert->names) loaded_by_name_.emplace(normalize_name(n), cert);
  if (!first_loaded_) first_loaded_ = cert;
}

void CertificateManager::on_stop(std::function<void()> cancel) {
  std::lock_guard lock(mu_);
  cancel_hooks_.push_back(std::move(cancel));
}

TimePoint CertificateManager::renewal_time(const CertifiedKey& cert) const {
  // Whole seconds, rounded: a third of 12 h is 4 h exactly, not 4 h less a rounding error.
  std::chrono::duration<double> lifetime = cert.not_after - cert.not_before;
  auto left = std::chrono::round<std::chrono::seconds>(lifetime * options_.renewal_ratio);
  return cert.not_after - left;
}

void CertificateManager::install(Managed& m, std::shared_ptr<const CertifiedKey> cert) {
  {
    std::unique_lock lock(certs_mu_);
    managed_by_name_[m.name] = cert;
  }
  std::lock_guard lock(mu_);
  m.cert = std::move(cert);
  m.failures = 0;
}

// Storage may hold a certificate from an earlier run, from FrankenPHP or Caddy before Pogo, or
// from another instance sharing the volume that renewed first. It is used when it is valid now,
// covers the name, and (unless accept_due) is not yet due for renewal.
bool CertificateManager::install_from_storage(Managed& m, bool accept_due) {
  CertificateKeys keys = certificate_keys(m.issuer_key, m.name);
  std::shared_ptr<const CertifiedKey> cert;
  try {
    std::optional<std::string> chain = storage_.load(keys.cert);
    std::optional<std::string> key = storage_.load(keys.key);
    if (!chain || !key) return false;
    cert = CertifiedKey::from_pem(*chain, *key, storage_.path_of(keys.cert).string());
  } catch (const std::exception& e) {
    log(kLogWarn, "stored certificate unusable; obtaining a new one",
        {{"identifier", m.name}, {"issuer", m.issuer_key}, {"error", e.what()}});
    return false;
  }
  TimePoint now = options_.clock();
  if (now < cert->not_before || now >= cert->not_after || !covers(*cert, m.name)) return false;
  TimePoint renew_at = renewal_time(*cert);
  if (!accept_due && now >= renew_at) return false;
  {
    std::lock_guard lock(mu_);
    // Storage's copy is news only when it outlives the certificate already served.
    if (m.cert && m.cert->not_after >= cert->not_after) return false;
  }
  install(m, cert);
  std::lock_guard lock(mu_);
  m.next_check = renew_at;
  return true;
}

void CertificateManager::obtain(Managed& m) {
  IssuedCertificate issued = m.issuer->issue({m.name});
  auto cert = CertifiedKey::from_pem(issued.chain_pem, issued.key_pem,
                                     "certificate for " + m.name + " from issuer " + m.issuer_key);
  CertificateKeys keys = certificate_keys(m.issuer_key, m.name);
  try {
    // Key first, as certmagic does: a certificate never sits in storage without its key.
    storage_.store(keys.key, issued.key_pem);
    storage_.store(keys.cert, issued.chain_pem);
    storage_.store(keys.meta, nlohmann::json{{"sans", {m.name}}}.dump(1, '\t'));
  } catch (const std::exception& e) {
    // The certificate is good; only the next start will have to obtain it again.
    log(kLogError, "could not store certificate",
        {{"identifier", m.name}, {"issuer", m.issuer_key}, {"error", e.what()}});
  }
  TimePoint now = options_.clock();
  // A certificate already due on arrival (a CA handing out very short lifetimes) is renewed no
  // sooner than the first retry interval, so the thread never spins on it.
  TimePoint next = std::max(renewal_time(*cert), now + options_.retry_intervals.front());
  TimePoint not_after = cert->not_after;
  install(m, std::move(cert));
  {
    std::lock_guard lock(mu_);
    m.next_check = next;
  }
  log(kLogInfo, "certificate obtained successfully",
      {{"identifier", m.name}, {"issuer", m.issuer_key}, {"expires_in_s", seconds_of(not_after - now)}});
}

void CertificateManager::attempt(Managed& m) {
  try {
    if (install_from_storage(m, false)) {
      log(kLogInfo, "certificate renewed elsewhere; loaded from storage", {{"identifier", m.name}});
      return;
    }
    bool renewal;
    {
      std::lock_guard lock(mu_);
      renewal = m.cert != nullptr;
    }
    log(kLogInfo, renewal ? "renewing certificate" : "obtaining certificate",
        {{"identifier", m.name}, {"issuer", m.issuer_key}});
    obtain(m);
  } catch (const std::exception& e) {
    TimePoint now = options_.clock();
    int failures;
    std::chrono::seconds wait;
    bool serving;
    {
      std::lock_guard lock(mu_);
      failures = ++m.failures;
      size_t i = std::min(static_cast<size_t>(failures - 1), options_.retry_intervals.size() - 1);
      wait = options_.retry_intervals[i];
      m.next_check = now + wait;
      serving = m.cert != nullptr;
    }
    log(kLogError, "could not get certificate; will retry",
        {{"identifier", m.name},
         {"issuer", m.issuer_key},
         {"error", e.what()},
         {"attempt", failures},
         {"retrying_in_s", wait.count()},
         {"serving_previous", serving}});
  }
}

void CertificateManager::load_or_obtain_at_start(Managed& m) {
  if (install_from_storage(m, true)) {
    if (m.next_check > options_.clock() || !m.before_serving) return;  // due ones: the thread renews
    try {
      obtain(m);
    } catch (const std::exception& e) {
      // Still valid: serve it and let the thread retry.
      {
        std::lock_guard lock(mu_);
        m.failures = 1;
        m.next_check = options_.clock() + options_.retry_intervals.front();
      }
      log(kLogWarn, "could not renew certificate at start; serving the stored one",
          {{"identifier", m.name}, {"issuer", m.issuer_key}, {"error", e.what()}});
    }
    return;
  }
  if (!m.before_serving) {
    m.next_check = options_.clock();
    return;
  }
  try {
    obtain(m);
  } catch (const std::exception& e) {
    throw Error("certificate for " + m.name + " (issuer " + m.issuer_key + "): " + e.what());
  }
}

void CertificateManager::start() {
  {
    std::lock_guard lock(mu_);
    if (started_) return;
    started_ = true;
  }
  // Nothing else runs yet: the managed list is read without the lock until the threads start.
  for (auto& m : managed_) load_or_obtain_at_start(*m);

  std::lock_guard lock(mu_);
  for (auto& m : managed_) {
    auto it = std::find_if(workers_.begin(), workers_.end(), [&](auto& w) { return w->issuer == m->issuer.get(); });
    if (it == workers_.end()) {
      workers_.push_back(std::make_unique<Worker>());
      workers_.back()->issuer = m->issuer.get();
      it = workers_.end() - 1;
    }
    (*it)->items.push_back(m.get());
  }
  for (auto& w : workers_) w->thread = std::thread([this, worker = w.get()] { run(*worker); });
}

void CertificateManager::run(Worker& w) {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    unsigned long generation = wake_generation_;
    TimePoint now = options_.clock();
    Managed* due = nullptr;
    TimePoint earliest = TimePoint::max();
    for (Managed* m : w.items) {
      if (m->next_check <= now) {
        due = m;
        break;
      }
      earliest = std::min(earliest, m->next_check);
    }
    if (due) {
      lock.unlock();
      attempt(*due);
      lock.lock();
      continue;
    }
    // Sleep until the earliest renewal or retry, but never longer than the check interval: the
    // clock may jump (a suspended machine) and a wake-up costs nothing.
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(options_.check_interval);
    if (earliest - now < wait) wait = std::chrono::ceil<std::chrono::milliseconds>(earliest - now);
    // The scan above and this line hold the lock throughout, so it saw the latest wake-up.
    w.idle_generation = generation;
    cv_.wait_for(lock, wait, [&] { return stopping_ || wake_generation_ != generation; });
  }
}

unsigned long CertificateManager::check_now() {
  unsigned long generation;
  {
    std::lock_guard lock(mu_);
    generation = ++wake_generation_;
  }
  cv_.notify_all();
  return generation;
}

bool CertificateManager::idle_since(unsigned long generation) const {
  std::lock_guard lock(mu_);
  return std::all_of(workers_.begin(), workers_.end(),
                     [&](const auto& w) { return w->idle_generation >= generation; });
}

void CertificateManager::stop() {
  std::vector<std::function<void()>> hooks;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    hooks = cancel_hooks_;
  }
  cv_.notify_all();
  for (auto& hook : hooks) {
    try {
      if (hook) hook();
    } catch (...) {
    }
  }
  for (auto& w : workers_)
    if (w->thread.joinable()) w->thread.join();
}

std::shared_ptr<const CertifiedKey> CertificateManager::certificate_for(std::string_view server_name) {
  std::string name = normalize_name(server_name);
  std::shared_lock lock(certs_mu_);
  auto find = [&](const std::string& n) -> std::shared_ptr<const CertifiedKey> {
    if (auto it = loaded_by_name_.find(n); it != loaded_by_name_.end()) return it->second;
    if (auto it = managed_by_name_.find(n); it != managed_by_name_.end()) return it->second;
    return nullptr;
  };
  auto lookup = [&](const std::string& n) -> std::shared_ptr<const CertifiedKey> {
    if (auto c = find(n)) return c;
    // One label only: "*.example.com" stands for "a.example.com", never "a.b.example.com"
    // nor "example.com" itself (RFC 6125 §6.4.3).
    size_t dot = n.find('.');
    if (dot == std::string::npos || dot == 0) return nullptr;
    return find("*" + n.substr(dot));
  };
  if (!name.empty()) {
    if (auto c = lookup(name)) return c;
    // Clients never put an IP address in SNI (RFC 6066 §3), so an IP here is the server asking
    // for a handshake without SNI by the address it arrived on: certmagic tries that address,
    // then the default.
    if (!is_ip_address(name)) return nullptr;
  }
  if (!options_.default_sni.empty())
    if (auto c = lookup(options_.default_sni)) return c;
  for (const std::string& n : managed_order_)
    if (auto it = managed_by_name_.find(n); it != managed_by_name_.end()) return it->second;
  return first_loaded_;
}

std::vector<CertificateManager::Status> CertificateManager::status() const {
  std::lock_guard lock(mu_);
  std::vector<Status> out;
  for (const auto& m : managed_) out.push_back({m->name, m->issuer_key, m->cert, m->next_check, m->failures});
  return out;
}

}  // namespace pogo::tls
