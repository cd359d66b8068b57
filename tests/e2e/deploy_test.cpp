// The Caddyfile shapes of real deployments (FrankenPHP's image, symfony-docker, API Platform,
// Laravel Octane), each through `pogo run` on loopback: behind trusted proxies the client is the
// one the proxy names (REMOTE_ADDR, {client_ip}, the client_ip matcher), never one a client names
// itself.
#include "tests/e2e/common.h"

using namespace e2e;
namespace fs = std::filesystem;

namespace {

// `pogo run` on a Caddyfile whose global block holds `servers_block` and whose one site serves
// `dir` (index.php answers REMOTE_ADDR) with the given extra site lines.
struct ProxiedSite {
    TempDir dir;
    int port = free_port();
    std::unique_ptr<PogoProcess> pogo;
    HttpClient client;

    ProxiedSite(const std::string& servers_block, const std::string& site_lines = "") {
        write_file(dir / "index.php", "<?php echo $_SERVER['REMOTE_ADDR'];");
        write_file(dir / "Caddyfile", "{\n\tadmin off\n\tservers {\n" + servers_block + "\t}\n}\n\nhttp://127.0.0.1:" +
                                          std::to_string(port) + " {\n\troot * " + dir.path().string() + "\n" +
                                          site_lines + "\tphp_server\n}\n");
        pogo = std::make_unique<PogoProcess>(std::vector<std::string>{"run", "--config", (dir / "Caddyfile").string()});
        REQUIRE_MESSAGE(pogo->wait_listening(), pogo->describe());
    }
    Response get(std::vector<std::string> headers) {
        return client.get("http://127.0.0.1:" + std::to_string(port) + "/", std::move(headers));
    }
};

}  // namespace

TEST_CASE("trusted_proxies: REMOTE_ADDR, {client_ip} and the client_ip matcher see the client the proxy names") {
    ProxiedSite site("\t\ttrusted_proxies static 127.0.0.1/8 10.0.0.0/8\n",
                     "\t@office client_ip 203.0.113.0/24\n\theader @office X-Office yes\n"
                     "\theader X-Client {client_ip}\n\theader X-Peer {remote_host}\n");
    Response r = site.get({"X-Forwarded-For: 203.0.113.7, 10.0.0.1"});
    INFO(r.describe());
    CHECK(r.status == 200);
    CHECK(r.body == "203.0.113.7");
    CHECK(r.header("X-Client") == "203.0.113.7");
    CHECK(r.header("X-Office") == "yes");
    CHECK(r.header("X-Peer") == "127.0.0.1");
    // No forwarding header: the peer itself.
    r = site.get({});
    CHECK(r.body == "127.0.0.1");
    CHECK(r.header("X-Office").empty());
    CHECK(site.pogo->stop() == 0);
}

TEST_CASE("trusted_proxies_strict and client_ip_headers: the rightmost untrusted entry of the first header") {
    ProxiedSite site("\t\ttrusted_proxies static private_ranges\n\t\ttrusted_proxies_strict\n"
                     "\t\tclient_ip_headers X-Real-IP X-Forwarded-For\n");
    // The client forged 1.1.1.1; the proxy it reached appended what it saw.
    CHECK(site.get({"X-Forwarded-For: 1.1.1.1, 198.51.100.9, 10.0.0.1"}).body == "198.51.100.9");
    CHECK(site.get({"X-Real-IP: 198.51.100.2", "X-Forwarded-For: 203.0.113.7"}).body == "198.51.100.2");
    CHECK(site.pogo->stop() == 0);
}

TEST_CASE("trusted_proxies: a peer outside the ranges is the client, whatever it says") {
    ProxiedSite site("\t\ttrusted_proxies static 10.0.0.0/8\n");
    CHECK(site.get({"X-Forwarded-For: 203.0.113.7"}).body == "127.0.0.1");
    CHECK(site.pogo->stop() == 0);
}

TEST_CASE("trusted_proxies: a range that is not one is refused with its line") {
    TempDir dir;
    write_file(dir / "Caddyfile", "{\n\tservers {\n\t\ttrusted_proxies static 10.0.0.0/33\n\t}\n}\n\n:8080 {\n\trespond hi\n}\n");
    RunResult r = run_pogo({"validate", "--config", (dir / "Caddyfile").string()});
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("Caddyfile:3: trusted_proxies: invalid IP address or CIDR range \"10.0.0.0/33\"") != std::string::npos);
    write_file(dir / "Caddyfile", "{\n\tservers {\n\t\ttrusted_proxies cloudflare\n\t}\n}\n\n:8080 {\n\trespond hi\n}\n");
    r = run_pogo({"validate", "--config", (dir / "Caddyfile").string()});
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("Caddyfile:3: trusted_proxies") != std::string::npos);
}
