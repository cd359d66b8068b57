#include "tls/cert_manager.h"

#include <doctest/doctest.h>

#include <atomic>
#include <condition_variable>
#include <thread>

#include "tests/tls/storage_fixture.h"
#include "tls/internal_issuer.h"

using namespace pogo::tls;
using namespace std::chrono_literals;
using pogo::tls::testing::TempDir;
using pogo::tls::testing::verify_chain;

namespace {

// A clock the test moves by hand; the manager's threads read it concurrently.
struct FakeClock {
  TimePoint base = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  std::atomic<long long> offset_s{0};
  TimePoint now() const { return base + std::chrono::seconds(offset_s.load()); }
  void advance(std::chrono::seconds d) { offset_s += d.count(); }
  Clock clock() const {
    return [this] { return now(); };
  }
};

// An issuer that counts its calls, can be told to fail, and otherwise signs with a real local
// CA on the fake clock (so lifetimes, renewal and chains are real).
class CountingIssuer : public Issuer {
 public:
  CountingIssuer(std::shared_ptr<LocalCA> ca, std::string key) : ca_(std::move(ca)), key_(std::move(key)) {}
  std::string storage_key() const override { return key_; }
  IssuedCertificate issue(const std::vector<std::string>& names) override {
    ++calls;
    if (fail) throw Error("CA says no");
    return ca_->issue_leaf(names, kInternalLeafLifetime);
  }
  std::atomic<int> calls{0};
  std::atomic<bool> fail{false};

 private:
  std::shared_ptr<LocalCA> ca_;
  std::string key_;
};

// An issuer whose issue() blocks until cancel(), like an ACME order waiting on a CA.
class BlockingIssuer : public Issuer {
 public:
  std::string storage_key() const override { return "blocking"; }
  IssuedCertificate issue(const std::vector<std::string>&) override {
    std::unique_lock lock(mu_);
    entered = true;
    cv_.notify_all();
    cv_.wait(lock, [&] { return cancelled_; });
    throw Error("cancelled");
  }
  void cancel() {
    std::lock_guard lock(mu_);
    cancelled_ = true;
    cv_.notify_all();
  }
  bool wait_entered(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return entered; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool entered = false, cancelled_ = false;
};

struct LogLine {
  int level;
  std::string message;
  nlohmann::json fields;
};

struct Fixture {
  TempDir dir;
  Storage storage{dir.path};
  FakeClock fake;
  std::shared_ptr<LocalCA> ca;
  std::mutex log_mu;
  std::vector<LogLine> logs;

  Fixture() {
    LocalCA::Options o;
    o.clock = fake.clock();
    ca = LocalCA::load_or_create(storage, o);
  }
  CertificateManager::Options options() {
    CertificateManager::Options o;
    o.clock = fake.clock();
    o.log = [this](int level, const std::string& msg, const nlohmann::json& fields) {
      std::lock_guard lock(log_mu);
      logs.push_back({level, msg, fields});
    };
    return o;
  }
  std::vector<LogLine> errors() {
    std::lock_guard lock(log_mu);
    std::vector<LogLine> out;
    for (auto& l : logs)
      if (l.level == kLogError) out.push_back(l);
    return out;
  }
};

// Polls with a deadline until the manager's threads are idle after a wake-up made now.
void settle(CertificateManager& m) {
  unsigned long g = m.check_now();
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!m.idle_since(g)) {
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(1ms);
  }
}

std::string pem_of(const std::shared_ptr<const CertifiedKey>& c) { return cert_to_pem(c->leaf); }

}  // namespace

TEST_CASE("CertificateManager: internal certificates are obtained in start() and stored as Caddy stores them") {
  Fixture f;
  auto issuer = std::make_shared<InternalIssuer>(f.ca);
  CertificateManager m(f.storage, f.options());
  m.manage({"Example.test", "127.0.0.1"}, issuer);
  m.start();

  auto cert = m.certificate_for("example.test");
  REQUIRE(cert);
  CHECK(cert->names == std::vector<std::string>{"example.test"});
  CHECK(cert->not_after - cert->not_before == std::chrono::duration_cast<std::chrono::system_clock::duration>(12h));
  REQUIRE(m.certificate_for("127.0.0.1"));

  auto keys = certificate_keys("local", "example.test");
  CHECK(keys.cert == "certificates/local/example.test/example.test.crt");
  REQUIRE(f.storage.exists(keys.cert));
  REQUIRE(f.storage.exists(keys.key));
  auto meta = nlohmann::json::parse(*f.storage.load(keys.meta));
  CHECK(meta["sans"] == nlohmann::json::array({"example.test"}));
  CHECK(f.storage.exists(certificate_keys("local", "127.0.0.1").cert));
  CHECK(verify_chain(*f.storage.load(keys.cert), f.ca->root_pem(), "example.test", f.fake.now()) == "");
  m.stop();
}

TEST_CASE("CertificateManager: a second start reuses what storage holds") {
  Fixture f;
  auto issuer = std::make_shared<CountingIssuer>(f.ca, "local");
  std::string first_pem;
  {
    CertificateManager m(f.storage, f.options());
    m.manage({"reuse.test"}, issuer, CertificateManager::Startup::before_serving);
    m.start();
    CHECK(issuer->calls == 1);
    first_pem = pem_of(m.certificate_for("reuse.test"));
  }
  f.fake.advance(2h);
  CertificateManager again(f.storage, f.options());
  again.manage({"reuse.test"}, issuer, CertificateManager::Startup::before_serving);
  again.start();
  CHECK(issuer->calls == 1);
  CHECK(pem_of(again.certificate_for("reuse.test")) == first_pem);

  // Past two thirds of its life a stored certificate is replaced before serving.
  again.stop();
  f.fake.advance(7h);
  CertificateManager third(f.storage, f.options());
  third.manage({"reuse.test"}, issuer, CertificateManager::Startup::before_serving);
  third.start();
  CHECK(issuer->calls == 2);
  CHECK(pem_of(third.certificate_for("reuse.test")) != first_pem);
}

TEST_CASE("CertificateManager: renews at two thirds of the lifetime and swaps the certificate") {
  Fixture f;
  auto issuer = std::make_shared<CountingIssuer>(f.ca, "local");
  CertificateManager m(f.storage, f.options());
  m.manage({"renew.test"}, issuer, CertificateManager::Startup::before_serving);
  m.start();
  REQUIRE(issuer->calls == 1);
  auto old_cert = m.certificate_for("renew.test");
  CHECK(m.status()[0].next_check == old_cert->not_before + 8h);

  f.fake.advance(8h - 1s);
  settle(m);
  CHECK(issuer->calls == 1);
  CHECK(m.certificate_for("renew.test") == old_cert);

  f.fake.advance(1s);
  settle(m);
  CHECK(issuer->calls == 2);
  auto renewed = m.certificate_for("renew.test");
  CHECK(renewed != old_cert);
  CHECK(renewed->not_before == f.fake.now());
  CHECK(pem_of(old_cert) != pem_of(renewed));  // the old one, still held, is intact
  CHECK(*f.storage.load(certificate_keys("local", "renew.test").cert) ==
        pem_of(renewed) + f.ca->intermediate_pem());
  CHECK(m.status()[0].failures == 0);
  CHECK(m.status()[0].next_check == f.fake.now() + 8h);
  m.stop();
}

TEST_CASE("CertificateManager: a background issuer's failures are logged and retried on certmagic's schedule") {
  Fixture f;
  auto issuer = std::make_shared<CountingIssuer>(f.ca, "acme.test-directory");
  issuer->fail = true;
  auto internal = std::make_shared<InternalIssuer>(f.ca);
  CertificateManager m(f.storage, f.options());
  m.manage({"down.test"}, issuer);  // not internal: background
  m.manage({"local.test"}, internal);
  m.start();  // does not wait for, nor fail because of, down.test
  CHECK(m.certificate_for("local.test"));

  settle(m);
  CHECK(issuer->calls == 1);
  CHECK(m.certificate_for("down.test") == nullptr);
  auto errors = f.errors();
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].fields["identifier"] == "down.test");
  CHECK(errors[0].fields["retrying_in_s"] == 60);
  CHECK(errors[0].fields["error"] == "CA says no");

  // 1 min, then 2, 2, 5, 10 minutes.
  const int waits[] = {60, 120, 120, 300, 600};
  for (int i = 0; i < 5; ++i) {
    CAPTURE(i);
    f.fake.advance(std::chrono::seconds(waits[i] - 1));
    settle(m);
    CHECK(issuer->calls == i + 1);
    f.fake.advance(1s);
    settle(m);
    CHECK(issuer->calls == i + 2);
    CHECK(m.status()[0].failures == i + 2);
  }
  CHECK(f.errors().back().fields["retrying_in_s"] == 600);

  issuer->fail = false;
  f.fake.advance(600s);
  settle(m);
  CHECK(issuer->calls == 7);
  CHECK(m.certificate_for("down.test"));
  CHECK(m.status()[0].failures == 0);
  m.stop();
}

TEST_CASE("CertificateManager: a before-serving issuer that fails fails start()") {
  Fixture f;
  auto issuer = std::make_shared<CountingIssuer>(f.ca, "local");
  issuer->fail = true;
  CertificateManager m(f.storage, f.options());
  m.manage({"broken.test"}, issuer, CertificateManager::Startup::before_serving);
  try {
    m.start();
    FAIL("start() succeeded");
  } catch (const Error& e) {
    CHECK(std::string(e.what()) == "certificate for broken.test (issuer local): CA says no");
  }
  CHECK_THROWS_AS(m.manage({"late.test"}, issuer), Error);
}

TEST_CASE("CertificateManager: lookups — exact, one-label wildcard, no SNI, files first") {
  Fixture f;
  auto issuer = std::make_shared<InternalIssuer>(f.ca);
  CertificateManager::Options o = f.options();
  SUBCASE("default: the first managed name") {
    CertificateManager m(f.storage, o);
    m.manage({"first.test", "*.wild.test", "wild.test"}, issuer);
    m.start();
    auto first = m.certificate_for("first.test");
    auto wild = m.certificate_for("*.wild.test");
    REQUIRE(first);
    REQUIRE(wild);
    CHECK(m.certificate_for("FIRST.test.") == first);
    CHECK(m.certificate_for("a.wild.test") == wild);
    CHECK(m.certificate_for("wild.test") != wild);
    CHECK(m.certificate_for("wild.test"));
    CHECK(m.certificate_for("a.b.wild.test") == nullptr);
    CHECK(m.certificate_for("other.test") == nullptr);
    CHECK(m.certificate_for("") == first);
    CHECK(m.certificate_for("192.0.2.1") == first);  // no SNI, arrived on an unmanaged address
    CHECK(f.storage.exists("certificates/local/wildcard_.wild.test/wildcard_.wild.test.crt"));

    // A certificate from files wins over the managed one for its names.
    IssuedCertificate files = f.ca->issue_leaf({"first.test", "extra.test"}, 1h);
    auto loaded = CertifiedKey::from_pem(files.chain_pem, files.key_pem, "files");
    m.add_loaded(loaded);
    CHECK(m.certificate_for("first.test") == loaded);
    CHECK(m.certificate_for("extra.test") == loaded);
    CHECK(m.certificate_for("") == first);
  }
  SUBCASE("default_sni") {
    o.default_sni = "Second.test";
    CertificateManager m(f.storage, o);
    m.manage({"first.test", "second.test", "127.0.0.1"}, issuer);
    m.start();
    CHECK(m.certificate_for("") == m.certificate_for("second.test"));
    CHECK(m.certificate_for("::1") == m.certificate_for("second.test"));
    CHECK(m.certificate_for("127.0.0.1") != m.certificate_for("second.test"));  // the address's own
    CHECK(m.certificate_for("127.0.0.1")->names == std::vector<std::string>{"127.0.0.1"});
  }
  SUBCASE("only files") {
    CertificateManager m(f.storage, o);
    IssuedCertificate files = f.ca->issue_leaf({"files.test"}, 1h);
    auto loaded = CertifiedKey::from_pem(files.chain_pem, files.key_pem, "files");
    m.add_loaded(loaded);
    m.start();
    CHECK(m.certificate_for("") == loaded);
    CHECK(m.certificate_for("files.test") == loaded);
  }
}

TEST_CASE("CertificateManager: stop() is prompt, even with an issue() in progress") {
  Fixture f;
  auto blocking = std::make_shared<BlockingIssuer>();
  CertificateManager m(f.storage, f.options());
  m.manage({"slow.test"}, blocking);
  m.manage({"fast.test"}, std::make_shared<InternalIssuer>(f.ca));
  m.on_stop([blocking] { blocking->cancel(); });
  auto t0 = std::chrono::steady_clock::now();
  m.start();
  CHECK(std::chrono::steady_clock::now() - t0 < 2s);  // the blocked order held nobody up
  CHECK(m.certificate_for("fast.test"));
  REQUIRE(blocking->wait_entered(10s));

  auto t1 = std::chrono::steady_clock::now();
  m.stop();
  CHECK(std::chrono::steady_clock::now() - t1 < 1s);
  m.stop();  // idempotent
}

TEST_CASE("CertificateManager: stop() wakes an idle thread at once") {
  Fixture f;
  CertificateManager m(f.storage, f.options());  // 10-minute check interval
  m.manage({"idle.test"}, std::make_shared<InternalIssuer>(f.ca));
  m.start();
  settle(m);
  auto t0 = std::chrono::steady_clock::now();
  m.stop();
  CHECK(std::chrono::steady_clock::now() - t0 < 500ms);
}
