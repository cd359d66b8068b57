// The global options for certificates: where they come from (email, acme_ca, acme_ca_root,
// local_certs, cert_issuer, key_type), where they are kept (storage) and how they are served
// (default_sni, ocsp_stapling, skip_install_trust). Options Pogo cannot honour are refused where
// ignoring them would change what a deployment relies on, and only warned about where they merely
// tune Caddy's internals.
#include <set>

#include "caddyfile/global_options.h"
#include "caddyfile/issuers.h"
#include "caddyfile/segment_reader.h"

namespace caddyfile {

namespace {

Location where(const Token& t) { return {t.file, t.line}; }

// Tuning of Caddy's certificate maintenance: Pogo keeps its own schedule and the CA's default
// chain and lifetime; ignoring these changes no site's behaviour.
const std::set<std::string> kNoEffect = {"storage_clean_interval", "storage_check", "renew_interval", "ocsp_interval",
                                         "cert_lifetime", "preferred_chains"};

void one_value(const SegmentReader& r, std::string& out) {
    r.expect_args(1, 1);
    r.no_block();
    out = r.text(0);
}

void flag(const SegmentReader& r, bool& out) {
    r.expect_args(0, 0);
    r.no_block();
    out = true;
}

StorageConfig parse_storage(const Segment& seg) {
    SegmentReader r(seg);
    r.expect_args(1, 2);
    if (r.text(0) != "file_system")
        fail(r[0], "storage " + quoted(r.text(0)) + " is not supported: Pogo keeps certificates on the file system "
                   "(storage file_system [DIR])");
    StorageConfig out;
    out.where = where(seg.name());
    if (r.size() == 2) out.root = r.text(1);
    for (const Segment& sub : seg.block) {
        SegmentReader s(sub);
        if (s.name().text != "root") unknown_subdirective(sub, "storage file_system");
        one_value(s, out.root);
    }
    return out;
}

}  // namespace

bool parse_certificate_option(const Segment& seg, GlobalOptions& out, const BuildContext& ctx) {
    SegmentReader r(seg);
    const std::string& n = r.name().text;
    if (n == "email") {
        one_value(r, out.email);
    } else if (n == "acme_ca") {
        one_value(r, out.acme_ca);
    } else if (n == "acme_ca_root") {
        one_value(r, out.acme_ca_root);
    } else if (n == "local_certs" || n == "skip_install_trust") {
        flag(r, n == "local_certs" ? out.local_certs : out.skip_install_trust);
    } else if (n == "storage") {
        out.storage = parse_storage(seg);
    } else if (n == "default_sni") {
        one_value(r, out.default_sni);
    } else if (n == "key_type") {
        r.expect_args(1, 1);
        r.no_block();
        out.key_type = parse_key_type(r[0]);
    } else if (n == "ocsp_stapling") {
        r.expect_args(1, 1);
        r.no_block();
        if (r.text(0) != "off") fail(r[0], "ocsp_stapling: expected off, got " + quoted(r.text(0)));
        out.ocsp_stapling = false;
    } else if (n == "cert_issuer") {
        if (out.cert_issuer)
            fail(r.name(), "a second \"cert_issuer\": Pogo uses one issuer (no issuer fallback)");
        out.cert_issuer = parse_issuer(seg, "cert_issuer");
    } else if (n == "on_demand_tls") {
        fail(r.name(), "global option \"on_demand_tls\" is not supported: Pogo obtains certificates only for the names "
                       "in site addresses, at start-up (no on-demand TLS)");
    } else if (n == "acme_dns") {
        fail(r.name(), "global option \"acme_dns\" is not supported: Pogo has no DNS challenge (it solves the HTTP "
                       "and TLS-ALPN challenges)");
    } else if (n == "acme_eab") {
        fail(r.name(), "global option \"acme_eab\" is not supported: Pogo's ACME client has no external account "
                       "binding");
    } else if (n == "fallback_sni") {
        fail(r.name(), "global option \"fallback_sni\" is not supported by Pogo");
    } else if (n == "pki") {
        fail(r.name(), "global option \"pki\" is not supported: Pogo's local CA cannot be customized");
    } else if (n == "persist_config") {
        // Caddy's only value: do not save the running configuration to disk. Pogo never does.
        r.expect_args(1, 1);
        r.no_block();
        if (r.text(0) != "off") fail(r[0], "persist_config: expected off, got " + quoted(r.text(0)));
    } else if (kNoEffect.count(n)) {
        ctx.warn(r.name(), "global option " + quoted(n) + " has no effect in Pogo");
    } else {
        return false;
    }
    if (out.local_certs && out.cert_issuer)
        fail(r.name(), "local_certs and cert_issuer are both set: local_certs already chooses the internal issuer");
    return true;
}

}  // namespace caddyfile
