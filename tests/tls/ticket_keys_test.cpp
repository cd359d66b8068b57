// Session resumption through tickets: across connections, across ServerContexts sharing the
// keys, after key rotations (a test clock), and never across site policies.
#include <doctest/doctest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>
#include <memory>

#include "tests/tls/test_certs.h"
#include "tests/tls/test_client.h"
#include "tls/server_context.h"
#include "tls/session.h"
#include "tls/ticket_keys.h"

using pogo::tls::ClientAuth;
using pogo::tls::FixedCertificates;
using pogo::tls::ServerContext;
using pogo::tls::Session;
using pogo::tls::SitePolicy;
using pogo::tls::TicketKeys;
using namespace pogo::tls::testing;

namespace {

struct SessionFree {
  void operator()(SSL_SESSION* s) const { SSL_SESSION_free(s); }
};
using SessionPtr = std::unique_ptr<SSL_SESSION, SessionFree>;

struct Connection {
  bool done = false;
  bool server_reused = false;
  bool client_reused = false;
  SessionPtr session;  // what the client keeps for next time
};

Connection connect(ServerContext& context, const TestCa& ca, const std::string& sni, int max_version,
                   SSL_SESSION* resume = nullptr) {
  ClientOptions o;
  o.sni = sni;
  o.trusted_ca_pem = ca.cert_pem();
  o.max_version = max_version;
  o.resume = resume;
  Session server(context.ctx());
  TestClient client(o);
  pump(client, server);  // TLS 1.3 tickets arrive after the handshake; pump's last step reads them
  Connection c;
  c.done = client.done() && server.handshake_done();
  c.server_reused = server.session_reused();
  c.client_reused = SSL_session_reused(client.ssl()) == 1;
  // A client that ends with close_notify keeps its session resumable; OpenSSL marks the session
  // of a connection freed without one as not resumable.
  SSL_shutdown(client.ssl());
  c.session.reset(SSL_get1_session(client.ssl()));
  return c;
}

struct TestClock {
  std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now();
  TicketKeys::Clock clock() {
    return [this] { return now; };
  }
};

}  // namespace

TEST_CASE("tickets: a second connection resumes, in TLS 1.3 and 1.2") {
  TestCa ca;
  auto certs = std::make_shared<FixedCertificates>();
  certs->set_default(ca.issue({"example.com"}).certified());
  ServerContext context({SitePolicy{}}, certs, std::make_shared<TicketKeys>());
  for (int version : {TLS1_3_VERSION, TLS1_2_VERSION}) {
    CAPTURE(version);
    Connection first = connect(context, ca, "example.com", version);
    REQUIRE(first.done);
    CHECK_FALSE(first.server_reused);
    REQUIRE(first.session);
    CHECK(SSL_SESSION_is_resumable(first.session.get()) == 1);
    Connection second = connect(context, ca, "example.com", version, first.session.get());
    REQUIRE(second.done);
    CHECK(second.server_reused);
    CHECK(second.client_reused);
  }
}

TEST_CASE("tickets: a new ServerContext (a reload) sharing the keys resumes the old one's sessions") {
  TestCa ca;
  auto certs = std::make_shared<FixedCertificates>();
  certs->set_default(ca.issue({"example.com"}).certified());
  auto keys = std::make_shared<TicketKeys>();
  auto before = std::make_unique<ServerContext>(std::vector<SitePolicy>{SitePolicy{}}, certs, keys);
  Connection first = connect(*before, ca, "example.com", TLS1_3_VERSION);
  before.reset();
  ServerContext after({SitePolicy{}}, certs, keys);
  CHECK(connect(after, ca, "example.com", TLS1_3_VERSION, first.session.get()).server_reused);
  ServerContext stranger({SitePolicy{}}, certs, std::make_shared<TicketKeys>());  // other keys
  Connection full = connect(stranger, ca, "example.com", TLS1_3_VERSION, first.session.get());
  CHECK(full.done);
  CHECK_FALSE(full.server_reused);
}

TEST_CASE("tickets: keys rotate every 12 h; tickets under the previous 3 keys still resume") {
  TestCa ca;
  auto certs = std::make_shared<FixedCertificates>();
  certs->set_default(ca.issue({"example.com"}).certified());
  TestClock clock;
  auto keys = std::make_shared<TicketKeys>(clock.clock());
  ServerContext context({SitePolicy{}}, certs, keys);

  for (int version : {TLS1_3_VERSION, TLS1_2_VERSION}) {
    CAPTURE(version);
    Connection first = connect(context, ca, "example.com", version);
    REQUIRE(first.session);
    clock.now += std::chrono::hours(12);  // one rotation: the ticket's key is now the previous one
    Connection after_one = connect(context, ca, "example.com", version, first.session.get());
    CHECK(after_one.server_reused);
    CHECK(keys->size() >= 2);

    clock.now += std::chrono::hours(24);  // three rotations in all: still among the kept 4
    CHECK(connect(context, ca, "example.com", version, first.session.get()).server_reused);

    clock.now += std::chrono::hours(12);  // four: the ticket's key is gone, a full handshake
    Connection expired = connect(context, ca, "example.com", version, first.session.get());
    CHECK(expired.done);
    CHECK_FALSE(expired.server_reused);
    CHECK(keys->size() == TicketKeys::kKeys);
  }
}

TEST_CASE("tickets: a session of a site without client auth does not resume on a site with it") {
  TestCa ca;
  TestCa client_ca("Client CA");
  char tmpl[] = "/tmp/pogo-tls-ticket-XXXXXX";
  int fd = mkstemp(tmpl);
  REQUIRE(fd >= 0);
  REQUIRE(write(fd, client_ca.cert_pem().data(), client_ca.cert_pem().size()) ==
          static_cast<ssize_t>(client_ca.cert_pem().size()));
  close(fd);

  auto certs = std::make_shared<FixedCertificates>();
  certs->set_default(ca.issue({"open.example.com", "secure.example.com"}).certified());
  SitePolicy open;
  open.names = {"open.example.com"};
  SitePolicy secure;
  secure.names = {"secure.example.com"};
  secure.client_auth = ClientAuth{"request", {tmpl}};
  ServerContext context({open, secure}, certs, std::make_shared<TicketKeys>());

  Connection first = connect(context, ca, "open.example.com", TLS1_3_VERSION);
  REQUIRE(first.session);
  Connection other_site = connect(context, ca, "secure.example.com", TLS1_3_VERSION, first.session.get());
  CHECK(other_site.done);
  CHECK_FALSE(other_site.server_reused);
  CHECK(connect(context, ca, "open.example.com", TLS1_3_VERSION, first.session.get()).server_reused);
  unlink(tmpl);
}

TEST_CASE("tickets: loop threads handshake and resume on one ServerContext at once, keys rotating") {
  TestCa ca;
  auto certs = std::make_shared<FixedCertificates>();
  certs->set_default(ca.issue({"example.com"}).certified());
  // A clock that moves 3 h per reading: rotations happen while the threads handshake.
  std::atomic<long> hours{0};
  auto start = std::chrono::steady_clock::now();
  auto keys = std::make_shared<TicketKeys>([&] { return start + std::chrono::hours(hours.fetch_add(3)); });
  ServerContext context({SitePolicy{}}, certs, keys);
  std::atomic<int> done{0}, reused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      int version = t % 2 ? TLS1_2_VERSION : TLS1_3_VERSION;
      for (int i = 0; i < 5; ++i) {
        Connection first = connect(context, ca, "example.com", version);
        Connection again = connect(context, ca, "example.com", version, first.session.get());
        done += first.done && again.done;
        reused += again.server_reused;
      }
    });
  for (auto& th : threads) th.join();
  CHECK(done == 20);
  CHECK(reused > 0);  // most resume; one whose key rotated out in between may not
  CHECK(keys->size() == TicketKeys::kKeys);
}
