// HTTPS through the real `pogo run`, with Caddy's automatic HTTPS: sites named `localhost` and
// `*.localhost` get certificates from Pogo's local CA (kept in the test's own storage directory,
// never installed in the system trust store), the HTTP port redirects to HTTPS, and `tls CERT KEY`
// serves files. Every answer is checked by real clients: libcurl (through HttpClient, trusting the
// local root only), the `curl` CLI and `openssl s_client`/`x509`/`verify`.
//
// Ports: http_port and https_port are free ports picked per test, so no test needs root. Which is
// also why ports below 1024 are not tested here: the tests run as root in the container, where
// binding :443 succeeds, and a non-root "permission denied" cannot be shown honestly from root.
#include <random>

#include "tests/e2e/common.h"
#include "tests/e2e/tls_support.h"

using namespace e2e;
namespace fs = std::filesystem;

namespace {

// One `pogo run` with HTTPS: its ports, storage directory and Caddyfile, and clients that trust
// the local CA's root and pin every name to 127.0.0.1.
struct HttpsRun {
    TempDir dir;
    int http_port = 0, https_port = 0;
    fs::path data, caddyfile;
    std::string caddyfile_text;
    std::unique_ptr<PogoProcess> pogo;

    HttpsRun() {
        http_port = free_port();
        do https_port = free_port();
        while (https_port == http_port);
        data = dir / "data";
        caddyfile = dir / "Caddyfile";
    }

    std::string globals(const std::vector<std::string>& extra = {}) const {
        return https_globals(http_port, https_port, data, extra);
    }
    void write(const std::string& text) {
        caddyfile_text = text;
        write_file(caddyfile, text);
    }
    // Starts pogo and waits for its HTTPS listener (and the HTTP one, which serves the redirects).
    void start(std::vector<std::string> env = {}) {
        pogo = std::make_unique<PogoProcess>(std::vector<std::string>{"run", "--config", caddyfile.string()}, env);
        bool https = wait_listening_on(*pogo, "https", https_port);
        bool http = https && wait_listening_on(*pogo, "http", http_port);
        INFO(caddyfile_text);
        INFO(pogo->describe());
        REQUIRE_MESSAGE(https, "no \"listening\" line for https://...:" << https_port);
        REQUIRE_MESSAGE(http, "no \"listening\" line for http://...:" << http_port);
    }
    std::string root_cert() const { return local_root_cert(data).string(); }

    std::string url(const std::string& host, const std::string& path = "/") const {
        return "https://" + host + ":" + std::to_string(https_port) + path;
    }
    Request request(const std::string& host, const std::string& path = "/") const {
        Request r;
        r.url = url(host, path);
        r.ca_file = root_cert();
        r.resolve = {host + ":" + std::to_string(https_port) + ":127.0.0.1"};
        return r;
    }
    Response get(HttpClient& client, const std::string& host, const std::string& path = "/") const {
        return client.perform(request(host, path));
    }
    // A fresh HTTPS request to localhost answers `body` (the server survived whatever came before).
    void check_still_serving(const std::string& body) const {
        HttpClient client;
        Response r = get(client, "localhost");
        INFO(r.describe());
        INFO(pogo->describe());
        CHECK(r.status == 200);
        CHECK(r.body == body);
        CHECK(pogo->running());
    }
};

// `curl` CLI: one request, body to stdout, "\nSTATUS <code>" appended.
CommandResult curl_cli(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {require_tool("curl"), "--silent", "--show-error", "--max-time", "30",
                                     "--write-out", "\nSTATUS %{http_code}"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv);
}

// Test certificates made with the openssl CLI: a CA, and leaves it signs.
struct TestPki {
    fs::path dir;
    std::string openssl = require_tool("openssl");
    explicit TestPki(fs::path d) : dir(std::move(d)) {
        fs::create_directories(dir);
        CommandResult r = run_command({openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                                       "-nodes", "-keyout", (dir / "ca.key").string(), "-out", (dir / "ca.crt").string(),
                                       "-days", "2", "-subj", "/CN=Pogo e2e test CA"});
        INFO(r.describe());
        REQUIRE(r.exit_code == 0);
    }
    fs::path ca() const { return dir / "ca.crt"; }
    // Writes NAME.crt and NAME.key, a leaf for `san` ("DNS:files.test", "IP:127.0.0.1").
    void leaf(const std::string& name, const std::string& cn, const std::string& san) const {
        write_file(dir / (name + ".ext"), "subjectAltName=" + san +
                                              "\nbasicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\n");
        CommandResult r = run_command({openssl, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                                       "-keyout", key(name).string(), "-out", (dir / (name + ".csr")).string(), "-subj",
                                       "/CN=" + cn});
        INFO(r.describe());
        REQUIRE(r.exit_code == 0);
        r = run_command({openssl, "x509", "-req", "-in", (dir / (name + ".csr")).string(), "-CA", ca().string(), "-CAkey",
                         (dir / "ca.key").string(), "-CAcreateserial", "-out", cert(name).string(), "-days", "2",
                         "-extfile", (dir / (name + ".ext")).string()});
        INFO(r.describe());
        REQUIRE(r.exit_code == 0);
    }
    fs::path cert(const std::string& name) const { return dir / (name + ".crt"); }
    fs::path key(const std::string& name) const { return dir / (name + ".key"); }
};

std::string fingerprint_of_file(const fs::path& pem_file) {
    auto certs = pem_certificates(read_file(pem_file));
    if (certs.empty()) return "<no certificate in " + pem_file.string() + ">";
    return cert_info(certs.front()).fingerprint;
}

}  // namespace

TEST_CASE("FrankenPHP's default Caddyfile over HTTPS: PHP sees HTTPS, and the HTTP port redirects") {
    HttpsRun run;
    // The shape of FrankenPHP's Caddyfile: a site named by {$SERVER_NAME:localhost}.
    run.write(run.globals() + "{$SERVER_NAME:localhost} {\n\troot * " + app_root().string() +
              "\n\tencode zstd br gzip\n\tphp_server\n}\n");
    run.start({"SERVER_NAME=localhost"});
    REQUIRE_MESSAGE(fs::exists(run.root_cert()), run.pogo->describe());

    HttpClient client;
    Response r = run.get(client, "localhost");
    INFO(r.describe());
    REQUIRE(r.status == 200);
    CHECK(r.body.find("front controller") != std::string::npos);
    CHECK(r.http_version == "HTTP/1.1");

    r = run.get(client, "localhost", "/server.php?x=1");
    INFO(r.describe());
    REQUIRE(r.status == 200);
    CHECK(r.new_connections == 0);  // the TLS connection was kept alive
    json s = body_json(r);
    auto var = [&](const char* key) { return s.contains(key) && s[key].is_string() ? s[key].get<std::string>() : "<missing>"; };
    CHECK(var("HTTPS") == "on");
    CHECK(var("REQUEST_SCHEME") == "https");
    CHECK(var("SERVER_PORT") == std::to_string(run.https_port));
    CHECK(var("SERVER_NAME") == "localhost");
    CHECK(var("HTTP_HOST") == "localhost:" + std::to_string(run.https_port));
    CHECK(var("REQUEST_URI") == "/server.php?x=1");
    CHECK(var("SSL_PROTOCOL") == "TLSv1.3");
    CHECK(var("SSL_CIPHER") != "<missing>");
    CHECK(!var("SSL_CIPHER").empty());

    // The same request from the curl CLI (a second TLS client), trusting only the local root.
    CommandResult c = curl_cli({"--cacert", run.root_cert(), "--resolve",
                                "localhost:" + std::to_string(run.https_port) + ":127.0.0.1", run.url("localhost", "/")});
    INFO(c.describe());
    CHECK(c.exit_code == 0);
    CHECK(c.out.find("front controller") != std::string::npos);
    CHECK(c.out.ends_with("STATUS 200"));

    // Without the local root the certificate is not trusted: verification is real, and the root
    // was not installed in the system store (skip_install_trust).
    Request untrusted = run.request("localhost");
    untrusted.ca_file.clear();
    Response u = client.perform(untrusted);
    CHECK(u.status == 0);

    // Caddy's redirect: 308 to the same host on HTTPS. The site's port is https_port, which Caddy
    // takes for the public HTTPS port (as 443), so the Location names no port
    // (caddyfile/auto_https.h; Caddy's autohttps.go makeRedirRoute does the same).
    Request plain;
    plain.url = "http://localhost:" + std::to_string(run.http_port) + "/a?b=1";
    plain.resolve = {"localhost:" + std::to_string(run.http_port) + ":127.0.0.1"};
    Response redirect = client.perform(plain);
    INFO(redirect.describe());
    CHECK(redirect.status == 308);
    CHECK(redirect.header("Location") == "https://localhost/a?b=1");
    CHECK(run.pogo->stop() == 0);
}

TEST_CASE("the local CA's certificate: verifies against root.crt, names localhost, and survives a restart") {
    HttpsRun run;
    run.write(run.globals() + "localhost {\n\trespond \"hello tls\"\n}\n");
    run.start();

    SClient s = s_client(run.https_port, "localhost", run.root_cert(), {"-verify_return_error"});
    INFO(s.describe());
    REQUIRE(s.handshake);
    CHECK(s.run.exit_code == 0);
    CHECK(s.verify_code == 0);
    CHECK(s.run.out.find("Verify return code: 0 (ok)") != std::string::npos);
    REQUIRE(s.chain.size() >= 2);  // leaf and the local CA's intermediate, not the root
    CertInfo leaf = cert_info(s.chain[0]);
    INFO(leaf.raw);
    CHECK(leaf.san == "DNS:localhost");
    CertInfo root = cert_info(read_file(run.root_cert()));
    CHECK(root.subject.find("Local Authority") != std::string::npos);
    for (const auto& pem : s.chain) CHECK(cert_info(pem).fingerprint != root.fingerprint);

    // `openssl verify` of the served leaf with the served intermediate, as a browser would.
    CommandResult v = openssl_verify(run.root_cert(), s.chain[0], {s.chain.begin() + 1, s.chain.end()}, run.dir.path());
    INFO(v.describe());
    CHECK(v.exit_code == 0);
    CHECK(v.out.find(": OK") != std::string::npos);

    // Caddy's storage layout: the leaf in certificates/local/localhost/, and it is the one served.
    const fs::path stored = run.data / "certificates" / "local" / "localhost" / "localhost.crt";
    REQUIRE_MESSAGE(fs::exists(stored), "no " << stored);
    CHECK(fs::exists(run.data / "certificates" / "local" / "localhost" / "localhost.key"));
    CHECK(fingerprint_of_file(stored) == leaf.fingerprint);
    const std::string root_bytes = read_file(run.root_cert());
    const std::string stored_leaf = read_file(stored);

    HttpClient client;
    CHECK(run.get(client, "localhost").body == "hello tls");
    CHECK(run.pogo->stop() == 0);

    // A restart with the same storage: the same root (byte for byte) and the stored leaf, served.
    run.start();
    CHECK(read_file(run.root_cert()) == root_bytes);
    CHECK(read_file(stored) == stored_leaf);
    SClient again = s_client(run.https_port, "localhost", run.root_cert(), {"-verify_return_error"});
    INFO(again.describe());
    REQUIRE(again.handshake);
    REQUIRE(!again.chain.empty());
    CHECK(cert_info(again.chain[0]).fingerprint == leaf.fingerprint);
    HttpClient fresh;
    CHECK(run.get(fresh, "localhost").body == "hello tls");
    CHECK(run.pogo->stop() == 0);
    INFO(run.pogo->describe());
    CHECK(log_lines_with(*run.pogo, {"obtaining certificate"}).empty());  // the stored leaf, not a new one
}

TEST_CASE("protocol versions and ALPN: TLS 1.2 and 1.3 by default, 1.3 only with tls { protocols tls1.3 }") {
    {
        HttpsRun run;
        run.write(run.globals() + "localhost {\n\trespond \"versions\"\n}\n");
        run.start();
        struct Version {
            std::string flag, version;
        };
        for (const Version& v : {Version{"-tls1_2", "TLSv1.2"}, Version{"-tls1_3", "TLSv1.3"}}) {
            const std::string& flag = v.flag;
            const std::string& version = v.version;
            CAPTURE(flag);
            SClient s = s_client(run.https_port, "localhost", run.root_cert(), {flag, "-verify_return_error"});
            INFO(s.describe());
            CHECK(s.handshake);
            CHECK(s.protocol == version);
            CHECK(!s.cipher.empty());
            CHECK(s.verify_code == 0);
        }
        // A whole request over TLS 1.2 from the curl CLI.
        CommandResult c = curl_cli({"--tlsv1.2", "--tls-max", "1.2", "--http1.1", "--cacert", run.root_cert(),
                                    "--resolve", "localhost:" + std::to_string(run.https_port) + ":127.0.0.1",
                                    run.url("localhost")});
        INFO(c.describe());
        CHECK(c.out == "versions\nSTATUS 200");

        // ALPN: http/1.1 is selected when offered. h2 is not offered by the server yet; when it
        // is, a client offering "h2,http/1.1" will get h2, so that case only asserts a choice
        // among what it offered (and that HTTP/1.1 keeps working).
        SClient alpn = s_client(run.https_port, "localhost", run.root_cert(), {"-alpn", "http/1.1"});
        INFO(alpn.describe());
        CHECK(alpn.handshake);
        CHECK(alpn.alpn == "http/1.1");
        SClient both = s_client(run.https_port, "localhost", run.root_cert(), {"-alpn", "h2,http/1.1"});
        INFO(both.describe());
        CHECK(both.handshake);
        CHECK((both.alpn == "http/1.1" || both.alpn == "h2"));
        CHECK(run.pogo->stop() == 0);
    }
    {
        HttpsRun run;
        run.write(run.globals() + "localhost {\n\ttls {\n\t\tprotocols tls1.3\n\t}\n\trespond \"tls13 only\"\n}\n");
        run.start();
        SClient old = s_client(run.https_port, "localhost", run.root_cert(), {"-tls1_2"});
        INFO(old.describe());
        CHECK_FALSE(old.handshake);
        CHECK(old.run.exit_code != 0);
        SClient modern = s_client(run.https_port, "localhost", run.root_cert(), {"-tls1_3", "-verify_return_error"});
        INFO(modern.describe());
        CHECK(modern.handshake);
        CHECK(modern.protocol == "TLSv1.3");
        run.check_still_serving("tls13 only");
        CHECK(run.pogo->stop() == 0);
    }
}

TEST_CASE("hostile input on the TLS port: garbage, plaintext HTTP, silence, half a ClientHello, renegotiation") {
    HttpsRun run;
    run.write(run.globals({"servers {\n\ttimeouts {\n\t\tread_header 1s\n\t}\n}"}) +
              "localhost {\n\trespond \"still here\"\n}\n");
    run.start();
    run.check_still_serving("still here");

    {
        INFO("random bytes that are no TLS record: the server closes the connection");
        std::mt19937 rng(20240607);
        std::string garbage(4096, '\0');
        for (char& ch : garbage) ch = static_cast<char>(rng() & 0xff);
        garbage[0] = '\x01';  // no TLS content type, no SSLv2 header, no HTTP method
        RawConnection c(run.https_port);
        REQUIRE(c.connected());
        c.send(garbage);
        CHECK(c.read_until_closed());
        CHECK(c.received().find("HTTP/") == std::string::npos);
        run.check_still_serving("still here");
    }
    {
        INFO("plaintext HTTP on the TLS port: a plaintext 400 that says so, then closed");
        RawConnection c(run.https_port);
        REQUIRE(c.connected());
        c.send("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
        CHECK(c.read_until_closed());
        INFO(c.received());
        CHECK(c.received().starts_with("HTTP/1."));
        CHECK(parse_response(c.received()).status == 400);
        CHECK(c.received().find("Client sent an HTTP request to an HTTPS server.") != std::string::npos);
        run.check_still_serving("still here");
    }
    {
        INFO("a connection that sends nothing is closed by the server (read_header 1s)");
        RawConnection c(run.https_port);
        REQUIRE(c.connected());
        CHECK(c.read_until_closed());
        CHECK(c.received().empty());
        run.check_still_serving("still here");
    }
    {
        INFO("half a ClientHello (a record header promising 512 bytes, then 40) is closed too");
        std::string partial = std::string("\x16\x03\x01\x02\x00", 5) + std::string("\x01\x00\x01\xfc\x03\x03", 6) +
                              std::string(34, '\x42');
        RawConnection c(run.https_port);
        REQUIRE(c.connected());
        c.send(partial);
        CHECK(c.read_until_closed());
        run.check_still_serving("still here");
    }
    {
        INFO("TLS 1.2 renegotiation asked by the client (s_client's R command) is refused");
        SClient s = s_client(run.https_port, "localhost", run.root_cert(), {"-tls1_2", "-msg"},
                             {.input = "R\n", .hold_stdin = true});
        INFO(s.describe());
        CHECK(s.handshake);
        CHECK(s.protocol == "TLSv1.2");
        const std::string all = s.run.out + s.run.err;
        CHECK(all.find("RENEGOTIATING") != std::string::npos);
        // -msg prints one line per handshake message ("..., ServerHello" and "..., ServerHelloDone").
        CHECK(count_of(all, ", ClientHello\n") == 2);  // the client did ask twice...
        CHECK(count_of(all, ", ServerHello\n") == 1);  // ...and the server answered once
        CHECK_FALSE(s.run.timed_out);
        run.check_still_serving("still here");
    }
    CHECK(run.pogo->stop() == 0);
}

TEST_CASE("tls CERT KEY: files served, verified by their CA; a missing or mismatched key stops pogo with file:line") {
    HttpsRun run;
    TestPki pki(run.dir / "pki");
    pki.leaf("files", "files.test", "DNS:files.test");
    pki.leaf("ip", "127.0.0.1", "IP:127.0.0.1");
    pki.leaf("other", "other.test", "DNS:other.test");
    run.write(run.globals() + "files.test {\n\ttls " + pki.cert("files").string() + " " + pki.key("files").string() +
              "\n\trespond \"files ok\"\n}\n" + "127.0.0.1 {\n\ttls " + pki.cert("ip").string() + " " +
              pki.key("ip").string() + "\n\trespond \"ip ok\"\n}\n");
    run.start();

    HttpClient client;
    Request req = run.request("files.test");
    req.ca_file = pki.ca().string();
    Response r = client.perform(req);
    INFO(r.describe());
    CHECK(r.status == 200);
    CHECK(r.body == "files ok");

    CommandResult c = curl_cli({"--cacert", pki.ca().string(), "--resolve",
                                "files.test:" + std::to_string(run.https_port) + ":127.0.0.1", run.url("files.test")});
    INFO(c.describe());
    CHECK(c.out == "files ok\nSTATUS 200");

    SClient s = s_client(run.https_port, "files.test", pki.ca().string(), {"-verify_return_error"});
    INFO(s.describe());
    REQUIRE(s.handshake);
    REQUIRE(!s.chain.empty());
    CHECK(cert_info(s.chain[0]).fingerprint == fingerprint_of_file(pki.cert("files")));

    // https://127.0.0.1:P/ sends no SNI (an IP is never sent as SNI): the local address chooses.
    Request by_ip;
    by_ip.url = "https://127.0.0.1:" + std::to_string(run.https_port) + "/";
    by_ip.ca_file = pki.ca().string();
    Response ip = client.perform(by_ip);
    INFO(ip.describe());
    CHECK(ip.status == 200);
    CHECK(ip.body == "ip ok");
    // Loaded certificates are not managed: nothing was issued for these names.
    CHECK_FALSE(fs::exists(run.data / "certificates" / "local" / "files.test"));
    CHECK(run.pogo->stop() == 0);

    {
        INFO("a key file that does not exist");
        const std::string missing = (run.dir / "nowhere" / "files.key").string();
        std::string text = run.globals() + "files.test {\n\ttls " + pki.cert("files").string() + " " + missing +
                           "\n\trespond \"files ok\"\n}\n";
        run.write(text);
        RunResult bad = run_pogo({"run", "--config", run.caddyfile.string()});
        INFO(bad.err);
        CHECK(bad.exit_code == 1);
        CHECK(bad.err.find("Caddyfile:" + std::to_string(line_of(text, "\ttls ")) + ":") != std::string::npos);
        CHECK(bad.err.find(missing) != std::string::npos);
    }
    {
        INFO("a key that belongs to another certificate");
        std::string text = run.globals() + "files.test {\n\ttls " + pki.cert("files").string() + " " +
                           pki.key("other").string() + "\n\trespond \"files ok\"\n}\n";
        run.write(text);
        RunResult bad = run_pogo({"run", "--config", run.caddyfile.string()});
        INFO(bad.err);
        CHECK(bad.exit_code == 1);
        CHECK(bad.err.find("Caddyfile:" + std::to_string(line_of(text, "\ttls ")) + ":") != std::string::npos);
        CHECK(bad.err.find("does not belong") != std::string::npos);
        CHECK(bad.err.find(pki.key("other").string()) != std::string::npos);
    }
}

TEST_CASE("several sites on one HTTPS port, chosen by SNI, each with its own certificate") {
    HttpsRun run;
    run.write(run.globals() + "a.localhost {\n\trespond \"site a\"\n}\nb.localhost {\n\trespond \"site b\"\n}\n");
    run.start();
    std::string fingerprints[2];
    int i = 0;
    for (const std::string name : {"a.localhost", "b.localhost"}) {
        CAPTURE(name);
        HttpClient client;
        Response r = run.get(client, name);
        INFO(r.describe());
        CHECK(r.status == 200);
        CHECK(r.body == "site " + name.substr(0, 1));
        SClient s = s_client(run.https_port, name, run.root_cert(), {"-verify_return_error"});
        INFO(s.describe());
        REQUIRE(s.handshake);
        REQUIRE(!s.chain.empty());
        CertInfo leaf = cert_info(s.chain[0]);
        CHECK(leaf.san == "DNS:" + name);
        fingerprints[i++] = leaf.fingerprint;
        CHECK(fingerprint_of_file(run.data / "certificates" / "local" / name / (name + ".crt")) == leaf.fingerprint);
    }
    CHECK(fingerprints[0] != fingerprints[1]);
    CHECK(run.pogo->stop() == 0);
}

TEST_CASE("a 5 MiB static file and a 4 MiB PHP response over TLS arrive intact, to a slow reader too") {
    HttpsRun run;
    fs::path www = run.dir / "www";
    std::string big(5 * 1024 * 1024 + 123, '\0');
    std::mt19937 rng(7);
    for (char& ch : big) ch = static_cast<char>(rng() & 0xff);
    write_file(www / "big.bin", big);
    write_file(www / "big_output.php", read_file(app_root() / "big_output.php"));
    run.write(run.globals() + "localhost {\n\troot * " + www.string() + "\n\tphp_server\n}\n");
    run.start();
    const std::string expected_sha = sha256_hex(www / "big.bin");

    // The curl CLI to a file, compared by SHA-256.
    const fs::path got = run.dir / "got.bin";
    CommandResult c = curl_cli({"--cacert", run.root_cert(), "--resolve",
                                "localhost:" + std::to_string(run.https_port) + ":127.0.0.1", "--output", got.string(),
                                run.url("localhost", "/big.bin")});
    INFO(c.describe());
    CHECK(c.out == "\nSTATUS 200");
    CHECK(sha256_hex(got) == expected_sha);

    // libcurl reading at 1 MiB/s: the server must wait for the reader, not drop it.
    HttpClient client;
    Request slow = run.request("localhost", "/big.bin");
    slow.max_recv_speed = 1024 * 1024;
    slow.timeout = std::chrono::milliseconds(120000);
    Response r = client.perform(slow);
    CHECK(r.status == 200);
    CHECK(r.body.size() == big.size());
    CHECK((r.body == big));

    // A streamed PHP response (8 KiB echoes), read slowly as well.
    Request php = run.request("localhost", "/big_output.php?kb=4096");
    php.max_recv_speed = 1024 * 1024;
    php.timeout = std::chrono::milliseconds(120000);
    Response p = client.perform(php);
    CHECK(p.status == 200);
    REQUIRE(p.body.size() == 4096u * 1024u);
    bool pattern_ok = true;
    for (size_t k = 0; k < p.body.size() && pattern_ok; ++k)
        pattern_ok = static_cast<unsigned char>(p.body[k]) == (((k % 8192) * 7 + 3) & 0xff);
    CHECK(pattern_ok);
    CHECK(run.pogo->stop() == 0);
}

TEST_CASE("tls options Pogo cannot honour stop pogo run with file:line instead of being served otherwise") {
    HttpsRun run;
    struct Case {
        const char* block;
        const char* message;
    } cases[] = {
        {"\ttls {\n\t\tkey_type rsa2048\n\t}\n", "key_type rsa2048: Pogo makes P-256 (ECDSA) keys only"},
        {"\ttls {\n\t\treuse_private_keys\n\t}\n", "tls reuse_private_keys: not supported by Pogo"},
        {"\ttls {\n\t\tclient_auth {\n\t\t\tmode require_and_verify\n\t\t\ttrusted_leaf_cert_file leaf.pem\n\t\t}\n\t}\n",
         "trusted_leaf_cert_file: not supported by Pogo"},
        {"\ttls {\n\t\tissuer internal {\n\t\t\tsign_with_root\n\t\t}\n\t}\n", "sign_with_root: not supported by Pogo"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.block);
        std::string text = run.globals() + "localhost {\n" + c.block + "\trespond \"never\"\n}\n";
        run.write(text);
        RunResult bad = run_pogo({"run", "--config", run.caddyfile.string()});
        INFO(bad.err);
        CHECK(bad.exit_code == 1);
        CHECK(bad.err.find("Caddyfile:" + std::to_string(line_of(text, "\ttls {")) + ":") != std::string::npos);
        CHECK(bad.err.find(c.message) != std::string::npos);
    }
}
