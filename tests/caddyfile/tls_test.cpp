// The tls directive and the global certificate options: every accepted form into TlsConfig /
// GlobalOptions, and each refusal exactly.
#include <doctest/doctest.h>

#include "config_test_util.h"

using namespace caddyfile;
using namespace std::chrono_literals;

namespace {

TlsConfig tls_of(const std::string& site_body) {
    Config c = test::load("example.com {\n" + site_body + "}\n");
    REQUIRE(c.sites.at(0).tls);
    return *c.sites[0].tls;
}

}  // namespace

TEST_CASE("tls: the argument forms") {
    TlsConfig files = tls_of("\ttls cert.pem key.pem\n");
    CHECK(files.cert == "cert.pem");
    CHECK(files.key == "key.pem");
    CHECK(!files.internal);
    CHECK(!files.issuer);
    CHECK(files.where.line == 2);

    TlsConfig internal = tls_of("\ttls internal\n");
    CHECK(internal.internal);
    REQUIRE(internal.issuer);
    CHECK(internal.issuer->kind == IssuerConfig::Kind::internal);

    TlsConfig email = tls_of("\ttls admin@example.com\n");
    CHECK(email.email == "admin@example.com");
    CHECK(!email.issuer);

    TlsConfig block = tls_of("\ttls {\n\t\tprotocols tls1.3\n\t}\n");
    CHECK(block.protocol_min == "tls1.3");
    CHECK(block.protocol_max.empty());
    CHECK(block.cert.empty());
}

TEST_CASE("tls: options") {
    TlsConfig t = tls_of(R"(	tls cert.pem key.pem {
		protocols tls1.2 tls1.3
		ciphers TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
		curves x25519 secp256r1
		alpn h2 http/1.1
		load /etc/certs
		key_type p384
		reuse_private_keys
		client_auth {
			mode verify_if_given
			trusted_ca_cert_file ca1.pem
			trusted_ca_cert_file ca2.pem
			trusted_leaf_cert_file leaf.pem
		}
	}
)");
    CHECK(t.protocol_min == "tls1.2");
    CHECK(t.protocol_max == "tls1.3");
    CHECK(t.ciphers == std::vector<std::string>{"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
                                                "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"});
    CHECK(t.curves == std::vector<std::string>{"x25519", "secp256r1"});
    CHECK(t.alpn == std::vector<std::string>{"h2", "http/1.1"});
    CHECK(t.load == std::vector<std::string>{"/etc/certs"});
    CHECK(t.key_type == "p384");
    CHECK(t.reuse_private_keys);
    REQUIRE(t.client_auth);
    CHECK(t.client_auth->mode == "verify_if_given");
    CHECK(t.client_auth->trusted_ca_cert_files == std::vector<std::string>{"ca1.pem", "ca2.pem"});
    CHECK(t.client_auth->trusted_leaf_cert_files == std::vector<std::string>{"leaf.pem"});
}

TEST_CASE("tls: client_auth defaults and the trust_pool form") {
    // Caddy's default mode: require_and_verify with trusted certificates, else require.
    TlsConfig verify = tls_of("\ttls {\n\t\tclient_auth {\n\t\t\ttrusted_ca_cert_file ca.pem\n\t\t}\n\t}\n");
    CHECK(verify.client_auth->mode == "require_and_verify");
    TlsConfig require = tls_of("\ttls {\n\t\tclient_auth {\n\t\t}\n\t}\n");
    CHECK(require.client_auth->mode == "require");
    TlsConfig pool = tls_of(
        "\ttls {\n\t\tclient_auth {\n\t\t\ttrust_pool file a.pem b.pem {\n\t\t\t\tpem_file c.pem\n\t\t\t}\n\t\t}\n\t}\n");
    CHECK(pool.client_auth->trusted_ca_cert_files == std::vector<std::string>{"a.pem", "b.pem", "c.pem"});
    CHECK(pool.client_auth->mode == "require_and_verify");
}

TEST_CASE("tls: issuers and the acme shortcuts") {
    TlsConfig ca = tls_of("\ttls {\n\t\tca https://ca.internal/dir\n\t\tca_root root.pem\n\t}\n");
    REQUIRE(ca.issuer);
    CHECK(ca.issuer->kind == IssuerConfig::Kind::acme);
    CHECK(ca.issuer->acme.dir == "https://ca.internal/dir");
    CHECK(ca.issuer->acme.trusted_roots == std::vector<std::string>{"root.pem"});
    CHECK(!ca.internal);

    TlsConfig acme = tls_of(R"(	tls {
		issuer acme {
			dir https://acme-staging-v02.api.letsencrypt.org/directory
			test_dir https://staging.example/dir
			email ops@example.com
			timeout 90s
			trusted_roots a.pem b.pem
			disable_tlsalpn_challenge
		}
	}
)");
    REQUIRE(acme.issuer);
    const AcmeSettings& a = acme.issuer->acme;
    CHECK(a.dir == "https://acme-staging-v02.api.letsencrypt.org/directory");
    CHECK(a.test_dir == "https://staging.example/dir");
    CHECK(a.email == "ops@example.com");
    CHECK(a.timeout == 90s);
    CHECK(a.trusted_roots == std::vector<std::string>{"a.pem", "b.pem"});
    CHECK(!a.disable_http_challenge);
    CHECK(a.disable_tlsalpn_challenge);

    TlsConfig dir_arg = tls_of("\ttls {\n\t\tissuer acme https://ca.example/dir\n\t}\n");
    CHECK(dir_arg.issuer->acme.dir == "https://ca.example/dir");

    TlsConfig internal = tls_of("\ttls {\n\t\tissuer internal {\n\t\t\tca local\n\t\t\tlifetime 1d\n\t\t\tsign_with_root\n\t\t}\n\t}\n");
    CHECK(internal.internal);
    CHECK(internal.issuer->kind == IssuerConfig::Kind::internal);
    CHECK(internal.issuer->internal.lifetime == 24h);
    CHECK(internal.issuer->internal.sign_with_root);
}

TEST_CASE("tls: errors") {
    const std::pair<std::string, std::string> cases[] = {
        {"\ttls\n", "2: missing argument for \"tls\": expected tls CERT_FILE KEY_FILE, tls internal, tls EMAIL or a block "
                    "of options"},
        {"\ttls a\n", "2: tls \"a\": a single argument must be \"internal\" or an email address (certificate files are "
                      "given as tls CERT_FILE KEY_FILE)"},
        {"\ttls a b c\n", "2: too many arguments for \"tls\""},
        {"\ttls a b\n\ttls c d\n", "3: \"tls\" is set twice in this site"},
        {"\ttls {\n\t\tprotocols tls1.1\n\t}\n", "3: tls protocols: expected tls1.2 or tls1.3, got \"tls1.1\""},
        {"\ttls {\n\t\tprotocols tls1.3 tls1.2\n\t}\n", "3: tls protocols: the minimum (tls1.3) is above the maximum (tls1.2)"},
        {"\ttls {\n\t\tprotocols\n\t}\n", "3: missing argument for \"protocols\""},
        {"\ttls {\n\t\tcurves x25519 p256\n\t}\n",
         "3: tls curves: expected x25519, secp256r1, secp384r1 or secp521r1, got \"p256\""},
        {"\ttls {\n\t\tciphers\n\t}\n", "3: missing argument for \"ciphers\""},
        {"\ttls {\n\t\tkey_type rsa1024\n\t}\n", "3: key_type: expected ed25519, p256, p384, rsa2048 or rsa4096, got \"rsa1024\""},
        {"\ttls {\n\t\tdns cloudflare {env.CF_API_TOKEN}\n\t}\n",
         "3: tls \"dns\" is not supported: Pogo has no DNS challenge (it solves the HTTP and TLS-ALPN challenges)"},
        {"\ttls {\n\t\tresolvers 1.1.1.1\n\t}\n",
         "3: tls \"resolvers\" is not supported: Pogo has no DNS challenge (it solves the HTTP and TLS-ALPN challenges)"},
        {"\ttls {\n\t\teab kid mac\n\t}\n", "3: tls \"eab\" is not supported: Pogo's ACME client has no external account binding"},
        {"\ttls internal {\n\t\ton_demand\n\t}\n",
         "3: tls \"on_demand\" is not supported: Pogo obtains certificates only for the names in site addresses, at start-up"},
        {"\ttls {\n\t\tget_certificate tailscale\n\t}\n",
         "3: tls \"get_certificate\" is not supported by Pogo: use certificate files or a managed certificate"},
        {"\ttls {\n\t\tinsecure_secrets_log /tmp/keys\n\t}\n", "3: tls \"insecure_secrets_log\" is not supported by Pogo"},
        {"\ttls {\n\t\tcolor blue\n\t}\n", "3: unrecognized tls subdirective \"color\""},
        {"\ttls {\n\t\tissuer zerossl KEY\n\t}\n",
         "3: issuer zerossl is not supported by Pogo: use acme (Let's Encrypt, or another CA with \"dir\") or internal"},
        {"\ttls {\n\t\tissuer vault\n\t}\n", "3: issuer: unrecognized issuer \"vault\" (expected acme or internal)"},
        {"\ttls {\n\t\tissuer acme {\n\t\t\tdns route53\n\t\t}\n\t}\n",
         "4: issuer acme: \"dns\" is not supported: Pogo has no DNS challenge (it solves the HTTP and TLS-ALPN challenges)"},
        {"\ttls {\n\t\tissuer acme {\n\t\t\teab kid mac\n\t\t}\n\t}\n",
         "4: issuer acme: \"eab\" is not supported: Pogo's ACME client has no external account binding"},
        {"\ttls {\n\t\tissuer acme {\n\t\t\talt_http_port 8080\n\t\t}\n\t}\n",
         "4: issuer acme: \"alt_http_port\" is not supported by Pogo"},
        {"\ttls {\n\t\tissuer acme {\n\t\t\tdisable_http_challenge\n\t\t\tdisable_tlsalpn_challenge\n\t\t}\n\t}\n",
         "3: issuer acme: both the HTTP and the TLS-ALPN challenges are disabled, and Pogo has no other challenge to "
         "obtain certificates with"},
        {"\ttls {\n\t\tissuer acme {\n\t\t\tcolor x\n\t\t}\n\t}\n", "4: unrecognized issuer acme subdirective \"color\""},
        {"\ttls {\n\t\tissuer internal {\n\t\t\tca corp\n\t\t}\n\t}\n",
         "4: issuer internal: ca \"corp\" is not supported: Pogo has one local CA, \"local\" (no pki option)"},
        {"\ttls {\n\t\tissuer internal {\n\t\t\tlifetime soon\n\t\t}\n\t}\n",
         "4: lifetime: invalid duration \"soon\""},
        {"\ttls {\n\t\tissuer acme\n\t\tissuer internal\n\t}\n",
         "4: tls: a second \"issuer\": Pogo uses one issuer per site (no issuer fallback)"},
        {"\ttls internal {\n\t\tissuer internal\n\t}\n",
         "3: tls internal already chooses the internal issuer: write \"tls { issuer internal { ... } }\" to configure it"},
        {"\ttls {\n\t\tissuer acme\n\t\tca https://x/dir\n\t}\n",
         "4: tls: \"ca\" configures the acme issuer and cannot be combined with \"issuer\": set dir or trusted_roots in "
         "issuer acme"},
        {"\ttls {\n\t\tca_root r.pem\n\t\tissuer acme\n\t}\n",
         "4: tls: \"issuer\" cannot be combined with the ca or ca_root shortcuts"},
        {"\ttls internal {\n\t\tca https://x/dir\n\t}\n",
         "3: tls: \"ca\" configures the acme issuer and cannot be combined with internal"},
        {"\ttls a@b.c {\n\t\tissuer internal\n\t}\n",
         "2: tls a@b.c: an email address is for an ACME account, and this site uses the internal issuer"},
        {"\ttls {\n\t\tclient_auth {\n\t\t\tmode maybe\n\t\t}\n\t}\n",
         "4: client_auth mode: expected request, require, verify_if_given or require_and_verify, got \"maybe\""},
        {"\ttls {\n\t\tclient_auth {\n\t\t\tmode require_and_verify\n\t\t}\n\t}\n",
         "3: client_auth mode require_and_verify needs certificates to verify against: add trusted_ca_cert_file or "
         "trust_pool file"},
        {"\ttls {\n\t\tclient_auth {\n\t\t\ttrusted_ca_cert MIIB\n\t\t}\n\t}\n",
         "4: client_auth \"trusted_ca_cert\" (inline base64 DER) is not supported by Pogo: use \"trusted_ca_cert_file\" "
         "with a PEM file"},
        {"\ttls {\n\t\tclient_auth {\n\t\t\ttrust_pool inline {\n\t\t\t\ttrust_der MIIB\n\t\t\t}\n\t\t}\n\t}\n",
         "4: client_auth trust_pool \"inline\" is not supported by Pogo: use trust_pool file"},
        {"\ttls {\n\t\tclient_auth {\n\t\t\tverifier leaf\n\t\t}\n\t}\n", "4: client_auth \"verifier\" is not supported by Pogo"},
        {"\ttls {\n\t\tclient_auth {\n\t\t}\n\t\tclient_auth {\n\t\t}\n\t}\n", "5: tls: \"client_auth\" is set twice"},
    };
    for (const auto& [body, error] : cases) {
        CAPTURE(body);
        CHECK(test::load_error("example.com {\n" + body + "}\n") == "/app/Caddyfile:" + error);
    }
}

TEST_CASE("tls: which addresses it makes HTTPS") {
    // A port-only address is HTTP, unless the site has tls; the HTTP port and http:// stay HTTP.
    Config c = test::load(":8443 {\n\ttls c.pem k.pem\n}\nhttp://a.test, a.test {\n\ttls c.pem k.pem\n}\n");
    CHECK(c.sites[0].addresses[0].scheme == "https");
    CHECK(c.sites[0].addresses[0].port == 8443);
    CHECK(c.sites[1].addresses[0].scheme == "http");
    CHECK(c.sites[1].addresses[1].scheme == "https");
    // auto_https off leaves implicit names on HTTP, except in a site with tls (Caddy still enables TLS there).
    Config off = test::load("{\n\tauto_https off\n}\na.test {\n\ttls c.pem k.pem\n}\nb.test:8080 {\n}\n");
    CHECK(off.sites[0].addresses[0].scheme == "https");
    CHECK(off.sites[1].addresses[0].scheme == "http");
    CHECK(test::load_error("http://a.test {\n\ttls internal\n}\n") ==
          "/app/Caddyfile:2: tls: site \"http://a.test\" is served over HTTP only, so \"tls\" would have no effect: "
          "remove it, or serve the site over https://");
    CHECK(test::load_error(":80 {\n\ttls c.pem k.pem\n}\n") ==
          "/app/Caddyfile:2: tls: site \":80\" is served over HTTP only, so \"tls\" would have no effect: remove it, or "
          "serve the site over https://");
}

TEST_CASE("global options: certificates") {
    Config c = test::load(R"({
	email admin@example.com
	acme_ca https://acme-staging-v02.api.letsencrypt.org/directory
	acme_ca_root /etc/ca/root.pem
	skip_install_trust
	storage file_system {
		root /var/lib/pogo
	}
	default_sni example.com
	ocsp_stapling off
	key_type ed25519
	cert_issuer acme {
		disable_http_challenge
	}
	renew_interval 30m
}
)");
    const GlobalOptions& g = c.global;
    CHECK(g.email == "admin@example.com");
    CHECK(g.acme_ca == "https://acme-staging-v02.api.letsencrypt.org/directory");
    CHECK(g.acme_ca_root == "/etc/ca/root.pem");
    CHECK(g.skip_install_trust);
    CHECK(!g.local_certs);
    REQUIRE(g.storage);
    CHECK(g.storage->root == "/var/lib/pogo");
    CHECK(g.default_sni == "example.com");
    CHECK(!g.ocsp_stapling);
    CHECK(g.key_type == "ed25519");
    REQUIRE(g.cert_issuer);
    CHECK(g.cert_issuer->kind == IssuerConfig::Kind::acme);
    CHECK(g.cert_issuer->acme.disable_http_challenge);
    REQUIRE(c.warnings.size() == 1);
    CHECK(c.warnings[0].str() == "/app/Caddyfile:15: global option \"renew_interval\" has no effect in Pogo");

    Config short_storage = test::load("{\n\tstorage file_system /data/caddy\n\tlocal_certs\n}\n");
    CHECK(short_storage.global.storage->root == "/data/caddy");
    CHECK(short_storage.global.local_certs);
    CHECK(test::load("{\n\tstorage file_system\n}\n").global.storage->root.empty());

    Config internal = test::load("{\n\tcert_issuer internal {\n\t\tlifetime 2d\n\t}\n}\n");
    CHECK(internal.global.cert_issuer->kind == IssuerConfig::Kind::internal);
    CHECK(internal.global.cert_issuer->internal.lifetime == 48h);

    Config h3 = test::load("{\n\tservers {\n\t\tprotocols h1 h2 h3\n\t}\n}\n");
    CHECK(h3.global.servers[0].protocols == std::vector<std::string>{"h1", "h2"});
    REQUIRE(h3.warnings.size() == 1);
    CHECK(h3.warnings[0].str() == "/app/Caddyfile:3: Pogo does not serve HTTP/3; h3 ignored");

    for (const char* option : {"storage_clean_interval 24h", "storage_check off", "ocsp_interval 2h", "cert_lifetime 30d",
                               "preferred_chains smallest"}) {
        CAPTURE(option);
        Config w = test::load(std::string("{\n\t") + option + "\n}\n");
        REQUIRE(w.warnings.size() == 1);
        CHECK(w.warnings[0].message.find("has no effect in Pogo") != std::string::npos);
    }
    // Pogo never saves its configuration to disk: `persist_config off` is what it does already.
    CHECK(test::load("{\n\tpersist_config off\n}\n").warnings.empty());
}

TEST_CASE("global options: certificate errors") {
    const std::pair<std::string, std::string> cases[] = {
        {"{\n\temail\n}", "2: missing argument for \"email\""},
        {"{\n\tpersist_config on\n}", "2: persist_config: expected off, got \"on\""},
        {"{\n\temail a@b.c\n\temail d@e.f\n}", "3: global option \"email\" is set twice"},
        {"{\n\tlocal_certs yes\n}", "2: too many arguments for \"local_certs\""},
        {"{\n\tstorage redis {\n\t\thost localhost\n\t}\n}",
         "2: storage \"redis\" is not supported: Pogo keeps certificates on the file system (storage file_system [DIR])"},
        {"{\n\tstorage file_system {\n\t\tpath /x\n\t}\n}", "3: unrecognized storage file_system subdirective \"path\""},
        {"{\n\tocsp_stapling on\n}", "2: ocsp_stapling: expected off, got \"on\""},
        {"{\n\tkey_type dsa\n}", "2: key_type: expected ed25519, p256, p384, rsa2048 or rsa4096, got \"dsa\""},
        {"{\n\tcert_issuer zerossl KEY\n}",
         "2: cert_issuer zerossl is not supported by Pogo: use acme (Let's Encrypt, or another CA with \"dir\") or internal"},
        {"{\n\tcert_issuer acme\n\tcert_issuer internal\n}",
         "3: a second \"cert_issuer\": Pogo uses one issuer (no issuer fallback)"},
        {"{\n\tlocal_certs\n\tcert_issuer acme\n}",
         "3: local_certs and cert_issuer are both set: local_certs already chooses the internal issuer"},
        {"{\n\ton_demand_tls {\n\t\task http://localhost:9123/ask\n\t}\n}",
         "2: global option \"on_demand_tls\" is not supported: Pogo obtains certificates only for the names in site "
         "addresses, at start-up (no on-demand TLS)"},
        {"{\n\tacme_dns cloudflare token\n}",
         "2: global option \"acme_dns\" is not supported: Pogo has no DNS challenge (it solves the HTTP and TLS-ALPN "
         "challenges)"},
        {"{\n\tacme_eab {\n\t\tkey_id x\n\t\tmac_key y\n\t}\n}",
         "2: global option \"acme_eab\" is not supported: Pogo's ACME client has no external account binding"},
        {"{\n\tfallback_sni example.com\n}", "2: global option \"fallback_sni\" is not supported by Pogo"},
        {"{\n\tpki {\n\t\tca local {\n\t\t\tname \"My CA\"\n\t\t}\n\t}\n}",
         "2: global option \"pki\" is not supported: Pogo's local CA cannot be customized"},
    };
    for (const auto& [input, error] : cases) {
        CAPTURE(input);
        CHECK(test::load_error(input) == "/app/Caddyfile:" + error);
    }
}
