#include "caddyfile/issuers.h"

#include <set>

#include "caddyfile/segment_reader.h"

namespace caddyfile {

namespace {

Location where(const Token& t) { return {t.file, t.line}; }

// Options of Caddy's ACME issuer that only make sense with the DNS challenge.
const std::set<std::string> kDnsOptions = {"dns", "propagation_timeout", "propagation_delay", "dns_ttl",
                                           "dns_challenge_override_domain", "resolvers"};

void parse_acme(const Segment& seg, const SegmentReader& r, AcmeSettings& out, const std::string& context) {
    r.expect_args(1, 2);  // acme [DIR]
    if (r.size() == 2) out.dir = r.text(1);
    for (const Segment& sub : seg.block) {
        SegmentReader s(sub);
        const std::string& n = s.name().text;
        if (n == "dir" || n == "test_dir" || n == "email") {
            s.expect_args(1, 1);
            s.no_block();
            (n == "dir" ? out.dir : n == "test_dir" ? out.test_dir : out.email) = s.text(0);
        } else if (n == "timeout") {
            s.expect_args(1, 1);
            s.no_block();
            out.timeout = parse_duration(s[0], n);
        } else if (n == "trusted_roots") {
            s.expect_args(1, 64);
            s.no_block();
            for (const std::string& f : s.texts()) out.trusted_roots.push_back(f);
        } else if (n == "disable_http_challenge" || n == "disable_tlsalpn_challenge") {
            s.expect_args(0, 0);
            s.no_block();
            (n == "disable_http_challenge" ? out.disable_http_challenge : out.disable_tlsalpn_challenge) = true;
        } else if (kDnsOptions.count(n)) {
            fail(sub.name(), context + ": " + quoted(n) + " is not supported: Pogo has no DNS challenge (it solves the "
                                                          "HTTP and TLS-ALPN challenges)");
        } else if (n == "eab") {
            fail(sub.name(), context + ": \"eab\" is not supported: Pogo's ACME client has no external account binding");
        } else if (n == "alt_http_port" || n == "alt_tlsalpn_port" || n == "preferred_chains") {
            fail(sub.name(), context + ": " + quoted(n) + " is not supported by Pogo");
        } else {
            unknown_subdirective(sub, context);
        }
    }
    if (out.disable_http_challenge && out.disable_tlsalpn_challenge)
        fail(seg.name(), context + ": both the HTTP and the TLS-ALPN challenges are disabled, and Pogo has no other "
                                   "challenge to obtain certificates with");
}

void parse_internal(const Segment& seg, const SegmentReader& r, InternalSettings& out, const std::string& context) {
    r.expect_args(1, 1);
    for (const Segment& sub : seg.block) {
        SegmentReader s(sub);
        const std::string& n = s.name().text;
        if (n == "lifetime") {
            s.expect_args(1, 1);
            s.no_block();
            out.lifetime = parse_duration(s[0], n);
        } else if (n == "sign_with_root") {
            s.expect_args(0, 0);
            s.no_block();
            out.sign_with_root = true;
        } else if (n == "ca") {
            s.expect_args(1, 1);
            s.no_block();
            if (s.text(0) != "local")
                fail(s[0], context + ": ca " + quoted(s.text(0)) +
                               " is not supported: Pogo has one local CA, \"local\" (no pki option)");
        } else {
            unknown_subdirective(sub, context);
        }
    }
}

}  // namespace

IssuerConfig parse_issuer(const Segment& seg, const std::string& context) {
    SegmentReader r(seg);
    r.expect_args(1, 2);
    IssuerConfig out;
    out.where = where(seg.name());
    const std::string& name = r.text(0);
    if (name == "acme") {
        out.kind = IssuerConfig::Kind::acme;
        parse_acme(seg, r, out.acme, context + " acme");
    } else if (name == "internal") {
        out.kind = IssuerConfig::Kind::internal;
        parse_internal(seg, r, out.internal, context + " internal");
    } else if (name == "zerossl") {
        fail(r[0], context + " zerossl is not supported by Pogo: use acme (Let's Encrypt, or another CA with \"dir\") "
                             "or internal");
    } else {
        fail(r[0], context + ": unrecognized issuer " + quoted(name) + " (expected acme or internal)");
    }
    return out;
}

std::string parse_key_type(const Token& t) {
    static const std::set<std::string> kTypes = {"ed25519", "p256", "p384", "rsa2048", "rsa4096"};
    if (!kTypes.count(t.text))
        fail(t, "key_type: expected ed25519, p256, p384, rsa2048 or rsa4096, got " + quoted(t.text));
    return t.text;
}

}  // namespace caddyfile
