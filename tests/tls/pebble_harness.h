// The ACME test bench: Debian's pebble (a test ACME CA) and pebble-challtestsrv (its fake DNS) as
// child processes on free loopback ports, plus the two challenge responders a real server would
// be — HTTP-01 on pebble's httpPort, TLS-ALPN-01 on its tlsPort — answering from a Challenges.
//
// Every test name resolves to 127.0.0.1 through challtestsrv (pebble -dnsserver), so pebble's
// validation of "a.pogo.test" connects to our responders. pebble's HTTPS certificate comes from
// a throw-away CA made here (Debian ships none); clients trust it through acme_ca_root. The
// processes end with the Pebble object (SIGTERM, waitpid, SIGKILL after a deadline), and die
// with the test process if it crashes (PR_SET_PDEATHSIG).
//
// Threads: a Pebble is driven by the test's thread. Each responder runs one thread of its own
// that serves connections one at a time, reading the Challenges (thread-safe) it was given.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "tls/challenges.h"
#include "tls/issuer.h"

namespace pebble_test {

// A directory under the system temp dir, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A loopback port free for TCP (and UDP too when `udp_too`: challtestsrv's DNS binds both).
int free_port(bool udp_too = false);

struct PebbleOptions {
  // Extra "NAME=value" environment for pebble, e.g. PEBBLE_WFE_NONCEREJECT=40.
  std::vector<std::string> env;
};

class Pebble {
 public:
  // Starts challtestsrv and pebble and waits until pebble's directory answers. Throws
  // std::runtime_error (with both logs) if either is missing or does not come up.
  explicit Pebble(PebbleOptions options = {});
  ~Pebble();
  Pebble(const Pebble&) = delete;
  Pebble& operator=(const Pebble&) = delete;

  std::string directory_url() const;  // https://127.0.0.1:PORT/dir
  int listen_port() const { return listen_port_; }
  const std::string& ca_root_file() const { return ca_root_file_; }  // trusts pebble's HTTPS
  int http_port() const { return http_port_; }                       // where pebble validates HTTP-01
  int tls_port() const { return tls_port_; }                         // where pebble validates TLS-ALPN-01
  // The root that signs the certificates pebble issues (its management API, per run).
  std::string issuance_root_pem() const;
  // The tail of pebble's and challtestsrv's output, for failure messages.
  std::string logs() const;

 private:
  void stop_children();

  TempDir dir_;
  std::string ca_root_file_;
  int listen_port_ = 0, management_port_ = 0, http_port_ = 0, tls_port_ = 0, dns_port_ = 0, dns_management_port_ = 0;
  pid_t pebble_ = -1, challtestsrv_ = -1;
};

// Serves GET /.well-known/acme-challenge/<token> from Challenges::http01 on 127.0.0.1:port, as
// the server does on port 80.
class Http01Responder {
 public:
  Http01Responder(const pogo::tls::Challenges& challenges, int port);
  ~Http01Responder();
  Http01Responder(const Http01Responder&) = delete;
  Http01Responder& operator=(const Http01Responder&) = delete;
  int answered() const { return answered_; }  // requests answered 200

 private:
  void run();
  void serve(int fd);
  const pogo::tls::Challenges& challenges_;
  int listen_fd_ = -1, wake_[2] = {-1, -1};
  std::atomic<int> answered_{0};
  std::thread thread_;
};

// Completes TLS handshakes that offer ALPN acme-tls/1 with Challenges::tls_alpn01(SNI), then
// closes, as the server does on port 443 (RFC 8737 §3).
class TlsAlpnResponder {
 public:
  TlsAlpnResponder(const pogo::tls::Challenges& challenges, int port);
  ~TlsAlpnResponder();
  TlsAlpnResponder(const TlsAlpnResponder&) = delete;
  TlsAlpnResponder& operator=(const TlsAlpnResponder&) = delete;
  int answered() const { return answered_; }  // handshakes completed with a challenge certificate

 private:
  void run();
  void serve(int fd);
  const pogo::tls::Challenges& challenges_;
  void* ctx_ = nullptr;  // SSL_CTX*
  int listen_fd_ = -1, wake_[2] = {-1, -1};
  std::atomic<int> answered_{0};
  std::thread thread_;
};

// What is wrong with an issued certificate, "" when nothing: the chain must verify up to
// `root_pem` (pebble's issuance root), the leaf must cover every name (DNS or IP) and no other,
// and the key must be the leaf's.
std::string check_issued(const pogo::tls::IssuedCertificate& issued, const std::string& root_pem,
                         const std::vector<std::string>& names);
// The leaf's serial number in hex.
std::string leaf_serial(const std::string& chain_pem);

}  // namespace pebble_test
