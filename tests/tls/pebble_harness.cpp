#include "pebble_harness.h"

#include "tests/support/free_port.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <utility>

extern char** environ;

namespace pebble_test {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kStartDeadline = std::chrono::seconds(30);  // generous: a loaded 2-core machine

std::string find_binary(const std::string& name) {
  for (const char* dir : {"/usr/bin", "/usr/local/bin"}) {
    std::string p = std::string(dir) + "/" + name;
    if (access(p.c_str(), X_OK) == 0) return p;
  }
  throw std::runtime_error(name + " not found in /usr/bin: run scripts/setup (it installs Debian's pebble package)");
}

void write_file(const std::filesystem::path& p, const std::string& content) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out) throw std::runtime_error("cannot write " + p.string());
}

std::string tail_of(const std::filesystem::path& p, size_t max = 3000) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  return s.size() > max ? "..." + s.substr(s.size() - max) : s;
}

// ---- a throw-away CA for pebble's HTTPS (Debian ships no test certificate) ----

std::string pem_of(X509* x) {
  BIO* b = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(b, x);
  char* d = nullptr;
  long n = BIO_get_mem_data(b, &d);
  std::string s(d, static_cast<size_t>(n));
  BIO_free(b);
  return s;
}

std::string pem_of(EVP_PKEY* k) {
  BIO* b = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(b, k, nullptr, nullptr, 0, nullptr, nullptr);
  char* d = nullptr;
  long n = BIO_get_mem_data(b, &d);
  std::string s(d, static_cast<size_t>(n));
  BIO_free(b);
  return s;
}

void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (!ext || X509_add_ext(cert, ext, -1) != 1) throw std::runtime_error("test CA: extension failed");
  X509_EXTENSION_free(ext);
}

X509* make_cert(const char* cn, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key, bool ca) {
  X509* x = X509_new();
  X509_set_version(x, X509_VERSION_3);
  unsigned char serial[12];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 24 * 3600);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn),
                             -1, -1, 0);
  X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : X509_get_subject_name(x));
  X509_set_pubkey(x, key);
  X509* iss = issuer ? issuer : x;
  if (ca) {
    add_ext(x, iss, NID_basic_constraints, "critical,CA:TRUE");
    add_ext(x, iss, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_ext(x, iss, NID_basic_constraints, "critical,CA:FALSE");
    add_ext(x, iss, NID_ext_key_usage, "serverAuth");
    add_ext(x, iss, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
  }
  add_ext(x, iss, NID_subject_key_identifier, "hash");
  if (X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256()) <= 0)
    throw std::runtime_error("test CA: signing failed");
  return x;
}

// Writes ca.pem (the root clients trust), server.pem and server.key (pebble's HTTPS) into `dir`.
void make_https_certificate(const std::filesystem::path& dir) {
  EVP_PKEY* ca_key = EVP_EC_gen("P-256");
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* ca = make_cert("Pogo test CA for pebble", ca_key, nullptr, nullptr, true);
  X509* leaf = make_cert("localhost", key, ca, ca_key, false);
  write_file(dir / "ca.pem", pem_of(ca));
  write_file(dir / "server.pem", pem_of(leaf));
  write_file(dir / "server.key", pem_of(key));
  X509_free(leaf);
  X509_free(ca);
  EVP_PKEY_free(key);
  EVP_PKEY_free(ca_key);
}

// ---- child processes ----

pid_t spawn(const std::vector<std::string>& args, const std::vector<std::string>& extra_env,
            const std::filesystem::path& log) {
  std::vector<std::string> env_store;
  for (char** e = environ; *e; ++e) env_store.emplace_back(*e);
  for (const auto& e : extra_env) env_store.push_back(e);
  std::vector<char*> argv, envp;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (auto& e : env_store) envp.push_back(e.data());
  envp.push_back(nullptr);
  int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("cannot create " + log.string());
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    close(fd);
    throw std::runtime_error("fork failed: " + std::string(strerror(errno)));
  }
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec.
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // a crashed test leaves no CA behind
    if (getppid() != parent) _exit(127);
    dup2(fd, 1);
    dup2(fd, 2);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  close(fd);
  return pid;
}

void stop_child(pid_t& pid) {
  if (pid <= 0) return;
  kill(pid, SIGTERM);
  auto deadline = Clock::now() + std::chrono::seconds(10);
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (Clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  pid = -1;
}

bool exited(pid_t pid) {
  int status = 0;
  return waitpid(pid, &status, WNOHANG) == pid;
}

size_t collect(char* d, size_t s, size_t n, void* out) {
  static_cast<std::string*>(out)->append(d, s * n);
  return s * n;
}

// GET over HTTPS trusting `ca_file`; -1 when no response.
long https_get(const std::string& url, const std::string& ca_file, std::string* body) {
  CURL* c = curl_easy_init();
  std::string sink;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_CAINFO, ca_file.c_str());
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, body ? body : &sink);
  long status = -1;
  if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(c);
  return status;
}

bool tcp_connects(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(fd);
  return ok;
}

// ---- responders ----

int listen_on(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(fd, 16) != 0) {
    close(fd);
    throw std::runtime_error("responder: cannot listen on 127.0.0.1:" + std::to_string(port) + ": " + strerror(errno));
  }
  return fd;
}

// Accepts until `wake_fd` becomes readable, handing each connection to `serve` (which closes it).
template <typename Serve>
void accept_loop(int listen_fd, int wake_fd, Serve serve) {
  for (;;) {
    pollfd fds[2] = {{listen_fd, POLLIN, 0}, {wake_fd, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents) return;
    int fd = accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    // A validator that stalls must not stall the test: 5 s per read or write.
    timeval tv{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    serve(fd);
  }
}

void write_all(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

void stop_thread(int wake[2], std::thread& t, int& listen_fd) {
  if (wake[1] >= 0) {
    char b = 1;
    (void)!write(wake[1], &b, 1);
  }
  if (t.joinable()) t.join();
  for (int* fd : {&wake[0], &wake[1], &listen_fd})
    if (*fd >= 0) {
      close(*fd);
      *fd = -1;
    }
}

}  // namespace

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "pogo-acme-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

int free_port(bool udp_too) { return pogo::test::fresh_loopback_port(udp_too); }

Pebble::Pebble(PebbleOptions options) {
  const std::string pebble = find_binary("pebble");
  const std::string challtestsrv = find_binary("pebble-challtestsrv");
  make_https_certificate(dir_.path());
  ca_root_file_ = (dir_.path() / "ca.pem").string();
  listen_port_ = free_port();
  management_port_ = free_port();
  http_port_ = free_port();
  tls_port_ = free_port();
  dns_port_ = free_port(true);
  dns_management_port_ = free_port();

  // challtestsrv only as DNS: every name's A record is 127.0.0.1 and there is no AAAA, so
  // pebble's validations dial our responders; its own challenge servers stay off.
  challtestsrv_ = spawn({challtestsrv, "-defaultIPv4", "127.0.0.1", "-defaultIPv6", "", "-dns01",
                         "127.0.0.1:" + std::to_string(dns_port_), "-http01", "", "-https01", "", "-tlsalpn01", "",
                         "-management", "127.0.0.1:" + std::to_string(dns_management_port_)},
                        {}, dir_.path() / "challtestsrv.log");

  nlohmann::json config = {{"pebble",
                            {{"listenAddress", "127.0.0.1:" + std::to_string(listen_port_)},
                             {"managementListenAddress", "127.0.0.1:" + std::to_string(management_port_)},
                             {"certificate", (dir_.path() / "server.pem").string()},
                             {"privateKey", (dir_.path() / "server.key").string()},
                             {"httpPort", http_port_},
                             {"tlsPort", tls_port_},
                             {"ocspResponderURL", ""},
                             {"externalAccountBindingRequired", false}}}};
  write_file(dir_.path() / "pebble.json", config.dump(2));
  // No artificial validation delay; nonce rejection stays at pebble's default (5%) unless the
  // test sets PEBBLE_WFE_NONCEREJECT: the client must retry badNonce anyway.
  std::vector<std::string> env = {"PEBBLE_VA_NOSLEEP=1"};
  env.insert(env.end(), options.env.begin(), options.env.end());

  auto deadline = Clock::now() + kStartDeadline;
  // Start pebble only once the DNS server is up: its validations would otherwise fail to resolve.
  while (!tcp_connects(dns_management_port_)) {
    if (exited(challtestsrv_)) {
      challtestsrv_ = -1;
      throw std::runtime_error("pebble-challtestsrv exited at start:\n" + logs());
    }
    if (Clock::now() > deadline) throw std::runtime_error("pebble-challtestsrv did not start:\n" + logs());
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  pebble_ = spawn({pebble, "-config", (dir_.path() / "pebble.json").string(), "-dnsserver",
                   "127.0.0.1:" + std::to_string(dns_port_)},
                  env, dir_.path() / "pebble.log");
  while (https_get(directory_url(), ca_root_file_, nullptr) != 200) {
    if (exited(pebble_)) {
      pebble_ = -1;
      stop_children();
      throw std::runtime_error("pebble exited at start:\n" + logs());
    }
    if (Clock::now() > deadline) {
      std::string l = logs();
      stop_children();
      throw std::runtime_error("pebble's directory did not answer:\n" + l);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

Pebble::~Pebble() { stop_children(); }

void Pebble::stop_children() {
  stop_child(pebble_);
  stop_child(challtestsrv_);
}

std::string Pebble::directory_url() const { return "https://127.0.0.1:" + std::to_string(listen_port_) + "/dir"; }

std::string Pebble::issuance_root_pem() const {
  std::string body;
  long status = https_get("https://127.0.0.1:" + std::to_string(management_port_) + "/roots/0", ca_root_file_, &body);
  if (status != 200) throw std::runtime_error("pebble's /roots/0 answered " + std::to_string(status));
  return body;
}

std::string Pebble::logs() const {
  return "--- pebble ---\n" + tail_of(dir_.path() / "pebble.log") + "\n--- pebble-challtestsrv ---\n" +
         tail_of(dir_.path() / "challtestsrv.log");
}

// ---- HTTP-01 ----

Http01Responder::Http01Responder(const pogo::tls::Challenges& challenges, int port) : challenges_(challenges) {
  listen_fd_ = listen_on(port);
  if (pipe2(wake_, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  thread_ = std::thread([this] { run(); });
}

Http01Responder::~Http01Responder() { stop_thread(wake_, thread_, listen_fd_); }

void Http01Responder::run() {
  accept_loop(listen_fd_, wake_[0], [this](int fd) { serve(fd); });
}

void Http01Responder::serve(int fd) {
  std::string req;
  char buf[4096];
  while (req.find("\r\n\r\n") == std::string::npos && req.size() < 16384) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    req.append(buf, static_cast<size_t>(n));
  }
  // "GET /.well-known/acme-challenge/TOKEN HTTP/1.1"
  std::string path;
  if (req.rfind("GET ", 0) == 0) path = req.substr(4, req.find(' ', 4) - 4);
  std::optional<std::string> answer = challenges_.http01_for_path(path);
  std::string body = answer.value_or("not found\n");
  write_all(fd, std::string(answer ? "HTTP/1.1 200 OK" : "HTTP/1.1 404 Not Found") +
                    "\r\nContent-Type: text/plain\r\nConnection: close\r\nContent-Length: " +
                    std::to_string(body.size()) + "\r\n\r\n" + body);
  if (answer) ++answered_;
  close(fd);
}

// ---- TLS-ALPN-01 ----

namespace {

int select_acme_alpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                     unsigned int inlen, void*) {
  static const unsigned char kOurs[] =
      "\x0a"
      "acme-tls/1";
  unsigned char* chosen = nullptr;
  if (SSL_select_next_proto(&chosen, outlen, kOurs, sizeof kOurs - 1, in, inlen) != OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  *out = chosen;
  return SSL_TLSEXT_ERR_OK;
}

int pick_challenge_certificate(SSL* ssl, int* alert, void* arg) {
  auto* challenges = static_cast<const pogo::tls::Challenges*>(arg);
  const char* sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  auto cert = sni ? challenges->tls_alpn01(sni) : nullptr;
  if (!cert || SSL_use_certificate(ssl, cert->leaf) != 1 || SSL_use_PrivateKey(ssl, cert->key) != 1) {
    *alert = SSL_AD_UNRECOGNIZED_NAME;
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  return SSL_TLSEXT_ERR_OK;
}

}  // namespace

TlsAlpnResponder::TlsAlpnResponder(const pogo::tls::Challenges& challenges, int port) : challenges_(challenges) {
  // OpenSSL writes alerts with write(), not send(MSG_NOSIGNAL): a validator that already hung up
  // must not kill the test with SIGPIPE (the server ignores SIGPIPE for the same reason).
  signal(SIGPIPE, SIG_IGN);
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_alpn_select_cb(ctx, select_acme_alpn, nullptr);
  SSL_CTX_set_tlsext_servername_callback(ctx, pick_challenge_certificate);
  SSL_CTX_set_tlsext_servername_arg(ctx, const_cast<pogo::tls::Challenges*>(&challenges_));
  ctx_ = ctx;
  listen_fd_ = listen_on(port);
  if (pipe2(wake_, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  thread_ = std::thread([this] { run(); });
}

TlsAlpnResponder::~TlsAlpnResponder() {
  stop_thread(wake_, thread_, listen_fd_);
  SSL_CTX_free(static_cast<SSL_CTX*>(ctx_));
}

void TlsAlpnResponder::run() {
  accept_loop(listen_fd_, wake_[0], [this](int fd) { serve(fd); });
}

void TlsAlpnResponder::serve(int fd) {
  SSL* ssl = SSL_new(static_cast<SSL_CTX*>(ctx_));
  SSL_set_fd(ssl, fd);
  if (SSL_accept(ssl) == 1) {
    const unsigned char* proto = nullptr;
    unsigned int len = 0;
    SSL_get0_alpn_selected(ssl, &proto, &len);
    if (std::string_view(reinterpret_cast<const char*>(proto), len) == pogo::tls::kAcmeTlsAlpn) ++answered_;
    SSL_shutdown(ssl);
  }
  SSL_free(ssl);
  ERR_clear_error();
  close(fd);
}

}  // namespace pebble_test

namespace pebble_test {

namespace {

std::vector<X509*> read_certificates(const std::string& pem) {
  std::vector<X509*> out;
  BIO* b = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  while (X509* x = PEM_read_bio_X509(b, nullptr, nullptr, nullptr)) out.push_back(x);
  BIO_free(b);
  ERR_clear_error();  // the end of the data reads as "no start line"
  return out;
}

}  // namespace

std::string check_issued(const pogo::tls::IssuedCertificate& issued, const std::string& root_pem,
                         const std::vector<std::string>& names) {
  std::vector<X509*> chain = read_certificates(issued.chain_pem);
  std::vector<X509*> roots = read_certificates(root_pem);
  std::string problem;
  if (chain.empty()) problem = "no certificate in the chain";
  if (roots.empty()) problem = "no root certificate";
  if (problem.empty()) {
    X509_STORE* store = X509_STORE_new();
    for (X509* r : roots) X509_STORE_add_cert(store, r);
    STACK_OF(X509)* untrusted = sk_X509_new_null();
    for (size_t i = 1; i < chain.size(); ++i) sk_X509_push(untrusted, chain[i]);
    X509_STORE_CTX* ctx = X509_STORE_CTX_new();
    X509_STORE_CTX_init(ctx, store, chain[0], untrusted);
    if (X509_verify_cert(ctx) != 1)
      problem = std::string("chain does not verify: ") + X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx));
    X509_STORE_CTX_free(ctx);
    sk_X509_free(untrusted);
    X509_STORE_free(store);
  }
  if (problem.empty()) {
    for (const auto& n : names) {
      bool ip = n.find(':') != std::string::npos || n.find_first_not_of("0123456789.") == std::string::npos;
      bool covered = ip ? X509_check_ip_asc(chain[0], n.c_str(), 0) == 1
                        : X509_check_host(chain[0], n.c_str(), n.size(), X509_CHECK_FLAG_NO_WILDCARDS, nullptr) == 1;
      if (!covered) problem += "leaf does not cover " + n + "; ";
    }
    auto* sans = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(chain[0], NID_subject_alt_name, nullptr, nullptr));
    int count = sans ? sk_GENERAL_NAME_num(sans) : 0;
    GENERAL_NAMES_free(sans);
    if (count != static_cast<int>(names.size()))
      problem += "leaf has " + std::to_string(count) + " SANs, expected " + std::to_string(names.size());
  }
  if (problem.empty()) {
    BIO* b = BIO_new_mem_buf(issued.key_pem.data(), static_cast<int>(issued.key_pem.size()));
    EVP_PKEY* key = PEM_read_bio_PrivateKey(b, nullptr, nullptr, nullptr);
    BIO_free(b);
    if (!key || X509_check_private_key(chain[0], key) != 1) problem = "the key is not the leaf's";
    EVP_PKEY_free(key);
  }
  for (X509* x : chain) X509_free(x);
  for (X509* x : roots) X509_free(x);
  ERR_clear_error();
  return problem;
}

std::string leaf_serial(const std::string& chain_pem) {
  std::vector<X509*> chain = read_certificates(chain_pem);
  if (chain.empty()) return "";
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(chain[0]), nullptr);
  char* hex = BN_bn2hex(bn);
  std::string out(hex);
  OPENSSL_free(hex);
  BN_free(bn);
  for (X509* x : chain) X509_free(x);
  return out;
}

}  // namespace pebble_test
