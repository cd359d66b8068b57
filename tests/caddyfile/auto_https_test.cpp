// plan_https: which certificates, redirects and TLS policies Caddy's automatic HTTPS would give each
// configuration, and the configurations it cannot serve.
#include <doctest/doctest.h>

#include "caddyfile/auto_https.h"
#include "caddyfile/config_json.h"
#include "config_test_util.h"

using namespace caddyfile;

namespace {

using Issuer = ManagedCertificate::Issuer;

// "name:internal|acme" for each managed certificate, in order.
std::string certs(const HttpsPlan& p) {
    std::string out;
    for (const ManagedCertificate& m : p.certificates)
        out += (out.empty() ? "" : " ") + m.name + (m.issuer == Issuer::internal ? ":internal" : ":acme");
    return out;
}

// "http_port host->location" for each redirect.
std::string redirects(const HttpsPlan& p) {
    std::string out;
    for (const HttpsRedirect& r : p.redirects)
        out += (out.empty() ? "" : " ") + std::to_string(r.http_port) + " " + (r.host.empty() ? "*" : r.host) + "->" +
               r.location;
    return out;
}

HttpsPlan plan(const std::string& text, std::map<std::string, std::string> env = {}) {
    return test::load(text, std::move(env)).https;
}

}  // namespace

TEST_CASE("auto_https: FrankenPHP's default Caddyfile serves localhost from the local CA") {
    const std::string caddyfile = "{\n\tfrankenphp\n}\n\n{$SERVER_NAME:localhost} {\n\troot public/\n\tphp_server\n}\n";
    HttpsPlan p = plan(caddyfile);
    CHECK(certs(p) == "localhost:internal");
    CHECK(p.certificates[0].site == 0);
    CHECK(redirects(p) == "80 localhost->https://{host}{uri}");
    CHECK(p.redirects[0].https_port == 443);
    CHECK(p.redirects[0].where.line == 5);
    REQUIRE(p.policies.size() == 1);
    CHECK(p.policies[0].port == 443);
    CHECK(p.policies[0].names == std::vector<std::string>{"localhost"});
    CHECK(p.install_trust);
    // SERVER_NAME=:80 keeps it on plain HTTP: nothing to do.
    HttpsPlan http = plan(caddyfile, {{"SERVER_NAME", ":80"}});
    CHECK(http.certificates.empty());
    CHECK(http.redirects.empty());
    CHECK(http.policies.empty());
    CHECK(!http.install_trust);
}

TEST_CASE("auto_https: public names from ACME, with the global and site settings") {
    HttpsPlan p = plan("{\n\temail admin@example.com\n\tacme_ca https://ca.example/dir\n\tacme_ca_root /ca.pem\n}\n"
                       "Example.COM, www.example.com {\n}\n");
    CHECK(certs(p) == "example.com:acme www.example.com:acme");
    const AcmeSettings& a = p.certificates[0].acme;
    CHECK(a.dir == "https://ca.example/dir");
    CHECK(a.email == "admin@example.com");
    CHECK(a.trusted_roots == std::vector<std::string>{"/ca.pem"});
    CHECK(redirects(p) == "80 example.com->https://{host}{uri} 80 www.example.com->https://{host}{uri}");
    CHECK(!p.install_trust);

    HttpsPlan defaults = plan("example.com {\n}\n");
    CHECK(defaults.certificates[0].acme.dir == kLetsEncryptDirectory);
    CHECK(defaults.certificates[0].acme.email.empty());

    // The site's issuer and email win over the global ones; unset fields still come from global.
    HttpsPlan site = plan("{\n\temail admin@example.com\n\tacme_ca https://ca.example/dir\n\tkey_type p384\n}\n"
                          "a.example.com {\n\ttls ops@example.com\n}\n"
                          "b.example.com {\n\ttls {\n\t\tca https://other.example/dir\n\t\tkey_type rsa2048\n\t}\n}\n"
                          "c.example.com {\n\ttls {\n\t\tissuer acme {\n\t\t\temail c@example.com\n\t\t\t"
                          "disable_http_challenge\n\t\t}\n\t}\n}\n");
    REQUIRE(site.certificates.size() == 3);
    CHECK(site.certificates[0].acme.email == "ops@example.com");
    CHECK(site.certificates[0].acme.dir == "https://ca.example/dir");
    CHECK(site.certificates[0].key_type == "p384");
    CHECK(site.certificates[1].acme.dir == "https://other.example/dir");
    CHECK(site.certificates[1].acme.email == "admin@example.com");
    CHECK(site.certificates[1].key_type == "rsa2048");
    CHECK(site.certificates[2].acme.email == "c@example.com");
    CHECK(site.certificates[2].acme.disable_http_challenge);
    CHECK(site.certificates[2].site == 2);
}

TEST_CASE("auto_https: which names the local CA signs") {
    CHECK(certs(plan("example.com {\n\ttls internal\n}\n")) == "example.com:internal");
    CHECK(certs(plan("{\n\tlocal_certs\n}\nexample.com {\n}\n")) == "example.com:internal");
    CHECK(certs(plan("{\n\tcert_issuer internal\n}\nexample.com {\n}\n")) == "example.com:internal");
    CHECK(certs(plan("127.0.0.1, [::1], app.localhost, printer.local, db.internal, nas.home.arpa {\n}\n")) ==
          "127.0.0.1:internal ::1:internal app.localhost:internal printer.local:internal db.internal:internal "
          "nas.home.arpa:internal");
    // A global acme_ca does not move internal names to ACME; an explicit issuer does.
    CHECK(certs(plan("{\n\tacme_ca https://ca.example/dir\n}\nlocalhost {\n}\n")) == "localhost:internal");
    CHECK(certs(plan("localhost {\n\ttls {\n\t\tca https://step.internal/acme/dir\n\t}\n}\n")) == "localhost:acme");
    CHECK(certs(plan("{\n\tcert_issuer acme\n}\n10.0.0.5 {\n}\n")) == "10.0.0.5:acme");

    HttpsPlan lifetime = plan("a.test {\n\ttls {\n\t\tissuer internal {\n\t\t\tlifetime 1h\n\t\t}\n\t}\n}\n");
    CHECK(lifetime.certificates[0].internal.lifetime == std::chrono::hours(1));
    CHECK(!plan("{\n\tskip_install_trust\n}\nlocalhost {\n}\n").install_trust);

    CHECK(is_internal_name("localhost"));
    CHECK(is_internal_name("192.168.1.10"));
    CHECK(is_internal_name("[fe80::1]"));
    CHECK(!is_internal_name("example.com"));
    CHECK(!is_internal_name("1.2.3.4.example.com"));
    CHECK(!is_internal_name("local"));
    CHECK(!is_internal_name("notlocalhost"));
}

TEST_CASE("auto_https: ports and redirects") {
    HttpsPlan p = plan("{\n\thttp_port 8080\n}\nlocalhost:8443 {\n}\n");
    CHECK(certs(p) == "localhost:internal");
    CHECK(redirects(p) == "8080 localhost->https://{host}:8443{uri}");
    CHECK(p.redirects[0].https_port == 8443);
    // https_port is the public HTTPS port as far as Caddy knows: the redirect leaves it out.
    HttpsPlan internal_port = plan("{\n\thttps_port 8443\n}\nlocalhost {\n}\n");
    CHECK(redirects(internal_port) == "80 localhost->https://{host}{uri}");
    CHECK(internal_port.redirects[0].https_port == 8443);
    // A host on two HTTPS ports redirects to the HTTPS port; one policy per port; one certificate.
    HttpsPlan two = plan("a.test:9443, a.test, b.test:9443 {\n\tbind 127.0.0.1\n}\n");
    CHECK(certs(two) == "a.test:acme b.test:acme");
    CHECK(redirects(two) == "80 a.test->https://{host}{uri} 80 b.test->https://{host}:9443{uri}");
    CHECK(two.redirects[0].bind == std::vector<std::string>{"127.0.0.1"});
    REQUIRE(two.policies.size() == 2);
    CHECK(two.policies[0].port == 9443);
    CHECK(two.policies[0].names == std::vector<std::string>{"a.test", "b.test"});
    CHECK(two.policies[1].port == 443);
    CHECK(two.policies[1].names == std::vector<std::string>{"a.test"});
    // Two sites, one name: one certificate, for the first.
    HttpsPlan shared = plan("a.test {\n}\na.test:8443 {\n\ttls internal\n}\n");
    CHECK(certs(shared) == "a.test:acme");
}

TEST_CASE("auto_https: the user's own HTTP site wins over the redirect") {
    HttpsPlan p = plan("http://example.com {\n\trespond plain\n}\nhttps://example.com {\n\trespond secure\n}\n");
    CHECK(certs(p) == "example.com:acme");
    CHECK(redirects(p).empty());
    HttpsPlan wildcard = plan("http://*.example.com {\n}\na.example.com, b.test {\n}\n");
    CHECK(redirects(wildcard) == "80 b.test->https://{host}{uri}");
    // A catch-all HTTP site does not shadow host redirects (Caddy puts them before it)...
    HttpsPlan catch_all = plan(":80 {\n\trespond hi\n}\nexample.com {\n}\n");
    CHECK(redirects(catch_all) == "80 example.com->https://{host}{uri}");
    // ...but it does replace the catch-all redirect.
    CHECK(redirects(plan("https:// {\n\ttls c.pem k.pem\n}\n")) == "80 *->https://{host}{uri}");
    CHECK(redirects(plan("http:// {\n}\nhttps:// {\n\ttls c.pem k.pem\n}\n")).empty());
    // No catch-all redirect on a port where another address names a host (as Caddy).
    CHECK(redirects(plan("a.test, :443 {\n}\n")) == "80 a.test->https://{host}{uri}");
}

TEST_CASE("auto_https: loaded certificates") {
    HttpsPlan files = plan("*.example.com {\n\ttls wild.pem wild.key\n}\napi.example.com {\n}\nother.test {\n}\n");
    CHECK(certs(files) == "other.test:acme");  // api.example.com is covered by the loaded wildcard
    CHECK(redirects(files) ==
          "80 *.example.com->https://{host}{uri} 80 api.example.com->https://{host}{uri} 80 other.test->https://{host}{uri}");
    CHECK(certs(plan("a.test {\n\ttls {\n\t\tload /certs\n\t}\n}\n")).empty());
    CHECK(certs(plan("{\n\tauto_https ignore_loaded_certs\n}\na.test {\n\ttls c.pem k.pem\n}\n")) == "a.test:acme");
}

TEST_CASE("auto_https: each mode") {
    HttpsPlan redirects_off = plan("{\n\tauto_https disable_redirects\n}\nexample.com {\n}\n");
    CHECK(certs(redirects_off) == "example.com:acme");
    CHECK(redirects_off.redirects.empty());

    HttpsPlan certs_off = plan("{\n\tauto_https disable_certs\n}\nexample.com {\n\ttls c.pem k.pem\n}\n");
    CHECK(certs_off.certificates.empty());
    CHECK(redirects(certs_off) == "80 example.com->https://{host}{uri}");

    HttpsPlan off = plan("{\n\tauto_https off\n}\nhttps://example.com {\n\ttls c.pem k.pem\n}\nlocalhost:8080 {\n}\n");
    CHECK(off.certificates.empty());
    CHECK(off.redirects.empty());
    REQUIRE(off.policies.size() == 1);
    CHECK(off.policies[0].names == std::vector<std::string>{"example.com"});

    HttpsPlan wildcard = plan("{\n\tauto_https prefer_wildcard\n}\n*.corp.internal {\n}\napp.corp.internal, other.internal {\n}\n");
    CHECK(certs(wildcard) == "*.corp.internal:internal other.internal:internal");
}

TEST_CASE("auto_https: errors") {
    const std::pair<std::string, std::string> cases[] = {
        {"*.example.com {\n}",
         "1: site \"*.example.com\": a wildcard certificate from an ACME CA needs the DNS challenge, which Pogo does not "
         "have: give the site \"tls CERT_FILE KEY_FILE\", or use \"tls internal\""},
        {"a.*.example.com {\n\ttls internal\n}",
         "1: site \"a.*.example.com\": only the left-most label of a name may be a wildcard (*.example.com) to get a "
         "certificate"},
        {"https:// {\n}",
         "1: site \"https://\" is served over HTTPS but names no host, so there is no name to obtain a certificate for "
         "(Pogo has no on-demand TLS): write the host name in the address, or give the site \"tls CERT_FILE KEY_FILE\""},
        {":443 {\n\ttls internal\n}",
         "1: site \":443\" is served over HTTPS but names no host, so there is no name to obtain a certificate for (Pogo "
         "has no on-demand TLS): write the host name in the address, or give the site \"tls CERT_FILE KEY_FILE\""},
        {"{\n\tauto_https off\n}\nhttps://example.com {\n}",
         "4: site \"https://example.com\" is served over HTTPS with no certificate: \"auto_https off\" turns certificate "
         "management off, so give the site \"tls CERT_FILE KEY_FILE\", or write the address with http://"},
        {"{\n\tauto_https off\n}\nlocalhost {\n\ttls internal\n}",
         "4: site \"localhost\" is served over HTTPS with no certificate: \"auto_https off\" turns certificate "
         "management off, so give the site \"tls CERT_FILE KEY_FILE\", or write the address with http://"},
        {"{\n\tauto_https disable_certs\n}\nexample.com {\n}",
         "4: site \"example.com\" is served over HTTPS with no certificate: \"auto_https disable_certs\" turns "
         "certificate management off, so give the site \"tls CERT_FILE KEY_FILE\""},
    };
    for (const auto& [input, error] : cases) {
        CAPTURE(input);
        CHECK(test::load_error(input) == "/app/Caddyfile:" + error);
    }
    // Hostless beside a named address of the same site, or with files: fine.
    CHECK(test::load_error("a.test, https:// {\n}") == "no error");
    CHECK(test::load_error("{\n\tauto_https disable_certs\n}\n*.example.com {\n\ttls c k\n}\na.example.com {\n}") == "no error");
}

TEST_CASE("auto_https: pogo adapt shows the plan") {
    nlohmann::json j = to_json(test::load("{\n\temail a@b.c\n}\nlocalhost, example.com {\n\ttls {\n\t\tprotocols tls1.3\n\t}\n}\n"));
    CHECK(j["https"]["certificates"][0]["name"] == "localhost");
    CHECK(j["https"]["certificates"][0]["issuer"] == "internal");
    CHECK(j["https"]["certificates"][1]["issuer"] == "acme");
    CHECK(j["https"]["certificates"][1]["acme"]["email"] == "a@b.c");
    CHECK(j["https"]["certificates"][1]["acme"]["dir"] == kLetsEncryptDirectory);
    CHECK(j["https"]["redirects"][0]["location"] == "https://{host}{uri}");
    CHECK(j["https"]["redirects"][0]["where"] == "/app/Caddyfile:4");
    CHECK(j["https"]["install_trust"] == true);
    CHECK(j["sites"][0]["tls"]["protocol_min"] == "tls1.3");
    CHECK(j["global"]["email"] == "a@b.c");
}
