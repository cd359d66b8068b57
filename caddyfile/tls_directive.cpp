#include "caddyfile/tls_directive.h"

#include <set>

#include "caddyfile/issuers.h"
#include "caddyfile/segment_reader.h"

namespace caddyfile {

namespace {

Location where(const Token& t) { return {t.file, t.line}; }

const std::set<std::string> kCurves = {"x25519", "secp256r1", "secp384r1", "secp521r1"};
const std::set<std::string> kClientAuthModes = {"request", "require", "verify_if_given", "require_and_verify"};
const std::set<std::string> kDnsOptions = {"dns", "propagation_timeout", "propagation_delay", "dns_ttl",
                                           "dns_challenge_override_domain", "resolvers"};

int protocol_rank(const Token& t) {
    if (t.text == "tls1.2") return 2;
    if (t.text == "tls1.3") return 3;
    fail(t, "tls protocols: expected tls1.2 or tls1.3, got " + quoted(t.text));
}

// `trust_pool file [FILES...] { pem_file FILES... }`, the Caddy 2.8 form of trusted_ca_cert_file.
void parse_trust_pool(const Segment& seg, ClientAuth& out) {
    SegmentReader r(seg);
    r.expect_args(1, 64);
    if (r.text(0) != "file")
        fail(r[0], "client_auth trust_pool " + quoted(r.text(0)) + " is not supported by Pogo: use trust_pool file");
    for (const std::string& f : r.texts(1)) out.trusted_ca_cert_files.push_back(f);
    for (const Segment& sub : seg.block) {
        SegmentReader s(sub);
        if (s.name().text != "pem_file") unknown_subdirective(sub, "trust_pool file");
        s.expect_args(1, 64);
        s.no_block();
        for (const std::string& f : s.texts()) out.trusted_ca_cert_files.push_back(f);
    }
}

ClientAuth parse_client_auth(const Segment& seg) {
    SegmentReader r(seg);
    r.expect_args(0, 0);
    ClientAuth out;
    out.where = where(seg.name());
    for (const Segment& sub : seg.block) {
        SegmentReader s(sub);
        const std::string& n = s.name().text;
        if (n == "mode") {
            s.expect_args(1, 1);
            s.no_block();
            if (!kClientAuthModes.count(s.text(0)))
                fail(s[0], "client_auth mode: expected request, require, verify_if_given or require_and_verify, got " +
                               quoted(s.text(0)));
            out.mode = s.text(0);
        } else if (n == "trusted_ca_cert_file" || n == "trusted_leaf_cert_file") {
            s.expect_args(1, 64);
            s.no_block();
            auto& list = n == "trusted_ca_cert_file" ? out.trusted_ca_cert_files : out.trusted_leaf_cert_files;
            for (const std::string& f : s.texts()) list.push_back(f);
        } else if (n == "trust_pool") {
            parse_trust_pool(sub, out);
        } else if (n == "trusted_ca_cert" || n == "trusted_leaf_cert") {
            fail(sub.name(), "client_auth " + quoted(n) + " (inline base64 DER) is not supported by Pogo: use " +
                                 quoted(n + "_file") + " with a PEM file");
        } else if (n == "verifier") {
            fail(sub.name(), "client_auth \"verifier\" is not supported by Pogo");
        } else {
            unknown_subdirective(sub, "client_auth");
        }
    }
    bool trusted = !out.trusted_ca_cert_files.empty() || !out.trusted_leaf_cert_files.empty();
    if (out.mode.empty()) out.mode = trusted ? "require_and_verify" : "require";
    if (!trusted && (out.mode == "verify_if_given" || out.mode == "require_and_verify"))
        fail(seg.name(), "client_auth mode " + out.mode +
                             " needs certificates to verify against: add trusted_ca_cert_file or trust_pool file");
    return out;
}

// `ca` and `ca_root` are shortcuts for the acme issuer; Caddy refuses them next to `issuer`.
AcmeSettings& acme_shortcut(TlsConfig& tls, const Segment& sub, bool& explicit_issuer) {
    if (explicit_issuer || tls.internal)
        fail(sub.name(), "tls: " + quoted(sub.name().text) + " configures the acme issuer and cannot be combined with " +
                             (tls.internal ? std::string("internal") : std::string("\"issuer\"")) +
                             (tls.internal ? "" : ": set dir or trusted_roots in issuer acme"));
    if (!tls.issuer) tls.issuer = IssuerConfig{IssuerConfig::Kind::acme, {}, {}, where(sub.name())};
    return tls.issuer->acme;
}

void parse_option(const Segment& sub, TlsConfig& tls, bool& explicit_issuer, bool& shortcut) {
    SegmentReader s(sub);
    const std::string& n = s.name().text;
    auto list = [&](std::vector<std::string>& out) {
        s.expect_args(1, 64);
        s.no_block();
        out = s.texts();
    };
    if (n == "protocols") {
        s.expect_args(1, 2);
        s.no_block();
        int min = protocol_rank(s[0]);
        int max = s.size() == 2 ? protocol_rank(s[1]) : 3;
        if (min > max) fail(s[1], "tls protocols: the minimum (" + s.text(0) + ") is above the maximum (" + s.text(1) + ")");
        tls.protocol_min = s.text(0);
        if (s.size() == 2) tls.protocol_max = s.text(1);
    } else if (n == "ciphers") {
        list(tls.ciphers);
    } else if (n == "curves") {
        list(tls.curves);
        for (size_t i = 0; i < s.size(); ++i)
            if (!kCurves.count(s.text(i)))
                fail(s[i], "tls curves: expected x25519, secp256r1, secp384r1 or secp521r1, got " + quoted(s.text(i)));
    } else if (n == "alpn") {
        list(tls.alpn);
    } else if (n == "load") {
        list(tls.load);
    } else if (n == "ca" || n == "ca_root") {
        s.expect_args(1, 1);
        s.no_block();
        AcmeSettings& acme = acme_shortcut(tls, sub, explicit_issuer);
        if (n == "ca") acme.dir = s.text(0);
        else acme.trusted_roots.push_back(s.text(0));
        shortcut = true;
    } else if (n == "key_type") {
        s.expect_args(1, 1);
        s.no_block();
        tls.key_type = parse_key_type(s[0]);
    } else if (n == "reuse_private_keys") {
        s.expect_args(0, 0);
        s.no_block();
        tls.reuse_private_keys = true;
    } else if (n == "client_auth") {
        if (tls.client_auth) fail(sub.name(), "tls: \"client_auth\" is set twice");
        tls.client_auth = parse_client_auth(sub);
    } else if (n == "issuer") {
        if (tls.internal && !explicit_issuer)
            fail(sub.name(), "tls internal already chooses the internal issuer: write \"tls { issuer internal { ... } }\" "
                             "to configure it");
        if (shortcut) fail(sub.name(), "tls: \"issuer\" cannot be combined with the ca or ca_root shortcuts");
        if (explicit_issuer)
            fail(sub.name(), "tls: a second \"issuer\": Pogo uses one issuer per site (no issuer fallback)");
        tls.issuer = parse_issuer(sub, "issuer");
        tls.internal = tls.issuer->kind == IssuerConfig::Kind::internal;
        explicit_issuer = true;
    } else if (kDnsOptions.count(n)) {
        fail(sub.name(), "tls " + quoted(n) + " is not supported: Pogo has no DNS challenge (it solves the HTTP and "
                                              "TLS-ALPN challenges)");
    } else if (n == "eab") {
        fail(sub.name(), "tls \"eab\" is not supported: Pogo's ACME client has no external account binding");
    } else if (n == "on_demand") {
        fail(sub.name(), "tls \"on_demand\" is not supported: Pogo obtains certificates only for the names in site "
                         "addresses, at start-up");
    } else if (n == "get_certificate") {
        fail(sub.name(), "tls \"get_certificate\" is not supported by Pogo: use certificate files or a managed "
                         "certificate");
    } else if (n == "insecure_secrets_log") {
        fail(sub.name(), "tls \"insecure_secrets_log\" is not supported by Pogo");
    } else {
        unknown_subdirective(sub, "tls");
    }
}

}  // namespace

TlsConfig parse_tls(const Segment& seg) {
    SegmentReader r(seg);
    r.expect_args(0, 2);
    TlsConfig tls;
    tls.where = where(seg.name());
    if (r.empty() && !r.has_block())
        fail(r.name(), "missing argument for \"tls\": expected tls CERT_FILE KEY_FILE, tls internal, tls EMAIL or a "
                       "block of options");
    if (r.size() == 2) {
        tls.cert = r.text(0);
        tls.key = r.text(1);
    } else if (r.size() == 1) {
        const std::string& a = r.text(0);
        if (a == "internal") {
            tls.internal = true;
            tls.issuer = IssuerConfig{IssuerConfig::Kind::internal, {}, {}, tls.where};
        } else if (a.find('@') != std::string::npos) {
            tls.email = a;
        } else {
            fail(r[0], "tls " + quoted(a) + ": a single argument must be \"internal\" or an email address (certificate "
                                            "files are given as tls CERT_FILE KEY_FILE)");
        }
    }
    bool explicit_issuer = false, shortcut = false;
    for (const Segment& sub : seg.block) parse_option(sub, tls, explicit_issuer, shortcut);
    if (!tls.email.empty() && tls.internal)
        fail(r[0], "tls " + tls.email + ": an email address is for an ACME account, and this site uses the internal issuer");
    return tls;
}

}  // namespace caddyfile
