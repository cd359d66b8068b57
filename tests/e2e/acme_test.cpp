// ACME end to end: the real `pogo run` obtains a certificate from Debian's pebble (a test ACME CA,
// started with its DNS server by tests/tls/pebble_harness on free loopback ports) and serves it.
// Nothing answers the challenges but pogo: pebble validates HTTP-01 on its httpPort and
// TLS-ALPN-01 on its tlsPort of 127.0.0.1 (challtestsrv resolves every name there), so the tests
// give pogo those ports as http_port and https_port, or deliberately another one to shut a
// challenge out. Clients trust pebble's issuing root, fetched from its management API.
#include <random>

#include "tests/e2e/common.h"
#include "tests/e2e/tls_support.h"
#include "tests/tls/pebble_harness.h"

using namespace e2e;
namespace fs = std::filesystem;

namespace {

// An order through pebble takes a few seconds; on a loaded 2-core machine, give it room.
constexpr milliseconds kAcmeDeadline{120000};

constexpr const char* kObtained = "certificate obtained successfully";
constexpr const char* kFailed = "could not get certificate";

std::unique_ptr<pebble_test::Pebble> start_pebble() {
    require_tool("pebble");
    require_tool("pebble-challtestsrv");
    try {
        return std::make_unique<pebble_test::Pebble>();
    } catch (const std::exception& e) {
        FAIL("pebble did not start: " << std::string(e.what()));
    }
    return nullptr;
}

// One `pogo run` whose ACME CA is `pebble`.
struct AcmeRun {
    const pebble_test::Pebble& pebble;
    TempDir dir;
    int http_port, https_port;
    fs::path data, caddyfile, issuing_root;
    std::string caddyfile_text;
    std::unique_ptr<PogoProcess> pogo;

    // By default pogo serves exactly where pebble validates; a test may move one port away.
    AcmeRun(const pebble_test::Pebble& p, int http = 0, int https = 0)
        : pebble(p), http_port(http ? http : p.http_port()), https_port(https ? https : p.tls_port()) {
        data = dir / "data";
        caddyfile = dir / "Caddyfile";
        issuing_root = dir / "pebble-root.pem";
        write_file(issuing_root, pebble.issuance_root_pem());
    }
    std::string globals(const std::vector<std::string>& extra = {}) const {
        std::vector<std::string> all = {"email test@pogo.test", "acme_ca " + pebble.directory_url(),
                                        "acme_ca_root " + pebble.ca_root_file()};
        all.insert(all.end(), extra.begin(), extra.end());
        return https_globals(http_port, https_port, data, all);
    }
    void write(const std::string& text) {
        caddyfile_text = text;
        write_file(caddyfile, text);
    }
    void start() {
        pogo = std::make_unique<PogoProcess>(std::vector<std::string>{"run", "--config", caddyfile.string()});
        bool https = wait_listening_on(*pogo, "https", https_port);
        bool http = https && wait_listening_on(*pogo, "http", http_port);
        INFO(caddyfile_text);
        INFO(pogo->describe());
        REQUIRE_MESSAGE(https, "no \"listening\" line for https://...:" << https_port);
        REQUIRE_MESSAGE(http, "no \"listening\" line for http://...:" << http_port);
    }
    // Waits for a log line with `message` naming `name` (or for pogo to exit).
    bool wait_log(const std::string& message, const std::string& name) {
        return poll_until([&] { return !log_lines_with(*pogo, {message, "\"" + name + "\""}).empty() || !pogo->running(); },
                          kAcmeDeadline) &&
               !log_lines_with(*pogo, {message, "\"" + name + "\""}).empty();
    }
    Response get(const std::string& name, const std::string& path = "/") const {
        HttpClient client;
        Request r;
        r.url = "https://" + name + ":" + std::to_string(https_port) + path;
        r.ca_file = issuing_root.string();
        r.resolve = {name + ":" + std::to_string(https_port) + ":127.0.0.1"};
        return client.perform(r);
    }
    // certmagic's issuer key for the directory URL: https://127.0.0.1:PORT/dir -> 127.0.0.1-PORT-dir.
    std::string issuer_key() const { return "127.0.0.1-" + std::to_string(pebble.listen_port()) + "-dir"; }
    fs::path stored_cert(const std::string& name) const {
        return data / "certificates" / issuer_key() / name / (name + ".crt");
    }
    std::string context() const { return caddyfile_text + "\n" + pogo->describe() + "\n" + pebble.logs(); }
};

// The served chain for `name` verifies against pebble's issuing root and names exactly `name`.
void check_served_certificate(AcmeRun& run, const std::string& name) {
    SClient s = s_client(run.https_port, name, run.issuing_root.string(), {"-verify_return_error"});
    INFO(s.describe());
    REQUIRE(s.handshake);
    CHECK(s.verify_code == 0);
    REQUIRE(!s.chain.empty());
    CertInfo leaf = cert_info(s.chain[0]);
    INFO(leaf.raw);
    CHECK(leaf.san == "DNS:" + name);
    CHECK(leaf.issuer.find("Pebble") != std::string::npos);
    CHECK(fs::exists(run.stored_cert(name)));
    auto stored = pem_certificates(read_file(run.stored_cert(name)));
    REQUIRE(!stored.empty());
    CHECK(cert_info(stored.front()).fingerprint == leaf.fingerprint);
}

}  // namespace

TEST_CASE("pogo obtains a certificate from pebble and serves it: either challenge, HTTP-01 only, TLS-ALPN-01 only") {
    auto pebble = start_pebble();
    struct Variant {
        const char* what;
        const char* tls_block;  // inside the site
        bool move_http, move_https;  // serve that port elsewhere, where pebble does not validate
    };
    const Variant variants[] = {
        {"both ports where pebble validates, default challenges", "", false, false},
        // Only pogo's HTTP listener can answer: its HTTPS port is not the one pebble dials.
        {"HTTP-01 through pogo's HTTP port", "\ttls {\n\t\tissuer acme {\n\t\t\tdisable_tlsalpn_challenge\n\t\t}\n\t}\n",
         false, true},
        // Only pogo's TLS listener can answer (acme-tls/1): its HTTP port is elsewhere.
        {"TLS-ALPN-01 through pogo's TLS port", "\ttls {\n\t\tissuer acme {\n\t\t\tdisable_http_challenge\n\t\t}\n\t}\n",
         true, false},
    };
    for (const Variant& v : variants) {
        CAPTURE(v.what);
        AcmeRun run(*pebble, v.move_http ? free_port() : 0, v.move_https ? free_port() : 0);
        run.write(run.globals() + "a.pogo.test {\n" + v.tls_block + "\trespond \"acme ok\"\n}\n");
        run.start();
        bool obtained = run.wait_log(kObtained, "a.pogo.test");
        INFO(run.context());
        REQUIRE_MESSAGE(obtained, "no \"" << kObtained << "\" line for a.pogo.test");
        Response r = run.get("a.pogo.test");
        INFO(r.describe());
        CHECK(r.status == 200);
        CHECK(r.body == "acme ok");
        check_served_certificate(run, "a.pogo.test");
        CHECK(log_lines_with(*run.pogo, {kFailed}).empty());
        CHECK(run.pogo->stop() == 0);
    }
}

TEST_CASE("disable_http_challenge is honoured: with only HTTP-01 reachable, no certificate, and a log line says why") {
    auto pebble = start_pebble();
    // pogo's HTTP port is where pebble validates HTTP-01, its HTTPS port is not where pebble
    // validates TLS-ALPN-01: a client that ignored the option would succeed with HTTP-01.
    AcmeRun run(*pebble, 0, free_port());
    run.write(run.globals() + "a.pogo.test {\n\ttls {\n\t\tissuer acme {\n\t\t\tdisable_http_challenge\n\t\t}\n\t}\n"
                              "\trespond \"acme ok\"\n}\n");
    run.start();
    bool failed = run.wait_log(kFailed, "a.pogo.test");
    INFO(run.context());
    CHECK(failed);
    CHECK(log_lines_with(*run.pogo, {kObtained}).empty());
    CHECK_FALSE(fs::exists(run.stored_cert("a.pogo.test")));
    CHECK(run.pogo->running());
    CHECK(run.pogo->stop() == 0);
}

TEST_CASE("the ACME certificate and account are stored in Caddy's layout, and a restart reuses them without an order") {
    auto pebble = start_pebble();
    AcmeRun run(*pebble);
    run.write(run.globals() + "a.pogo.test {\n\trespond \"acme ok\"\n}\n");
    run.start();
    {
        bool obtained = run.wait_log(kObtained, "a.pogo.test");
        INFO(run.context());
        REQUIRE(obtained);
    }
    CHECK(run.get("a.pogo.test").body == "acme ok");
    CHECK(run.pogo->stop() == 0);

    const fs::path cert_dir = run.data / "certificates" / run.issuer_key() / "a.pogo.test";
    const fs::path user_dir = run.data / "acme" / run.issuer_key() / "users" / "test@pogo.test";
    INFO("storage: " << run.data);
    for (const fs::path& p : {cert_dir / "a.pogo.test.crt", cert_dir / "a.pogo.test.key", cert_dir / "a.pogo.test.json",
                              user_dir / "test.key", user_dir / "test.json"}) {
        CAPTURE(p);
        CHECK(fs::exists(p));
    }
    REQUIRE(fs::exists(cert_dir / "a.pogo.test.crt"));
    REQUIRE(fs::exists(user_dir / "test.key"));
    const std::string cert_bytes = read_file(cert_dir / "a.pogo.test.crt");
    const std::string account_key = read_file(user_dir / "test.key");
    const std::string served_before = cert_info(pem_certificates(cert_bytes).front()).fingerprint;

    // The restart: the stored certificate is served at once, nothing is ordered, and the files
    // are untouched. stop() waits for the whole shutdown, so any order started would have logged.
    run.start();
    Response r = run.get("a.pogo.test");
    INFO(r.describe());
    CHECK(r.body == "acme ok");
    check_served_certificate(run, "a.pogo.test");
    CHECK(run.pogo->stop() == 0);
    INFO(run.context());
    CHECK(log_lines_with(*run.pogo, {kObtained}).empty());
    CHECK(log_lines_with(*run.pogo, {"obtaining certificate"}).empty());
    CHECK(log_lines_with(*run.pogo, {kFailed}).empty());
    CHECK(read_file(cert_dir / "a.pogo.test.crt") == cert_bytes);
    CHECK(read_file(user_dir / "test.key") == account_key);
    CHECK(cert_info(pem_certificates(read_file(cert_dir / "a.pogo.test.crt")).front()).fingerprint == served_before);
}

TEST_CASE("a name whose validation fails does not stop another site, and its failure is logged by name") {
    auto pebble = start_pebble();
    // A second CA whose validations dial ports where nothing listens (its own httpPort and
    // tlsPort, which pogo does not serve): every challenge for b.pogo.test fails at pebble.
    auto unreachable = start_pebble();
    AcmeRun run(*pebble);
    run.write(run.globals() + "a.pogo.test {\n\trespond \"acme ok\"\n}\n" +
              "b.pogo.test {\n\ttls {\n\t\tca " + unreachable->directory_url() + "\n\t\tca_root " +
              unreachable->ca_root_file() + "\n\t}\n\trespond \"b\"\n}\n");
    run.start();
    bool a_ok = run.wait_log(kObtained, "a.pogo.test");
    bool b_failed = run.wait_log(kFailed, "b.pogo.test");
    INFO(run.context());
    INFO("unreachable CA:\n" << unreachable->logs());
    CHECK(a_ok);
    CHECK(b_failed);
    Response a = run.get("a.pogo.test");
    INFO(a.describe());
    CHECK(a.status == 200);
    CHECK(a.body == "acme ok");
    // b has no certificate: its handshake fails, and pogo keeps running.
    Response b = run.get("b.pogo.test");
    CHECK(b.status == 0);
    for (const auto& line : log_lines_with(*run.pogo, {kFailed, "\"b.pogo.test\""})) {
        MESSAGE("failure line: " << line);
        CHECK(line.find("\"error\"") != std::string::npos);
    }
    CHECK(log_lines_with(*run.pogo, {kObtained, "\"b.pogo.test\""}).empty());
    CHECK(run.pogo->running());
    CHECK(run.get("a.pogo.test").body == "acme ok");
    CHECK(run.pogo->stop() == 0);
}
