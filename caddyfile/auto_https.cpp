#include "caddyfile/auto_https.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "caddyfile/error.h"

namespace caddyfile {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool is_ipv4(const std::string& s) {
    int parts = 0;
    size_t i = 0;
    while (i <= s.size()) {
        size_t dot = std::min(s.find('.', i), s.size());
        std::string part = s.substr(i, dot - i);
        bool digits = std::all_of(part.begin(), part.end(), [](unsigned char ch) { return std::isdigit(ch); });
        if (part.empty() || part.size() > 3 || !digits || std::stoi(part) > 255) return false;
        ++parts;
        i = dot + 1;
    }
    return parts == 4;
}

// The certificate name of an address host: IPv6 loses its brackets.
std::string cert_name(const std::string& host) {
    return host.size() > 2 && host.front() == '[' ? host.substr(1, host.size() - 2) : host;
}

// `*.example.com` covers `a.example.com` (one label), as a certificate would.
bool covers(const std::string& pattern, const std::string& name) {
    if (pattern == name) return true;
    if (pattern.rfind("*.", 0) != 0 || name.rfind("*.", 0) == 0) return false;
    size_t dot = name.find('.');
    return dot != std::string::npos && name.substr(dot) == pattern.substr(1);
}

[[noreturn]] void fail_addr(const Address& a, const std::string& message) {
    fail_at(a.where.file, a.where.line, "site " + quoted(a.original) + message);
}

bool has_loaded_certs(const Site& s) { return s.tls && (!s.tls->cert.empty() || !s.tls->load.empty()); }

std::string hostname(const Address& a) { return a.host == "*" ? std::string() : a.host; }

class Planner {
public:
    explicit Planner(const Config& c) : c_(c), g_(c.global) {
        certs_on_ = g_.auto_https != "off" && g_.auto_https != "disable_certs";
        redirects_on_ = g_.auto_https != "off" && g_.auto_https != "disable_redirects";
        ignore_loaded_ = g_.auto_https == "ignore_loaded_certs";
        for (const Site& s : c.sites)
            for (const Address& a : s.addresses) {
                if (a.scheme == "https" && has_loaded_certs(s) && !hostname(a).empty())
                    loaded_.push_back(cert_name(a.host));
                if (a.scheme == "http" && a.port == g_.http_port) http_hosts_.push_back(hostname(a));
                if (a.scheme == "https" && !hostname(a).empty()) named_https_ports_.insert(a.port);
            }
    }

    HttpsPlan run() {
        for (size_t i = 0; i < c_.sites.size(); ++i)
            for (const Address& a : c_.sites[i].addresses)
                if (a.scheme == "https") address(i, a);
        if (g_.auto_https == "prefer_wildcard") drop_covered_by_wildcards();
        for (const ManagedCertificate& m : plan_.certificates)
            if (m.issuer == ManagedCertificate::Issuer::internal && !g_.skip_install_trust) plan_.install_trust = true;
        return std::move(plan_);
    }

private:
    bool loaded_cover(const std::string& name) const {
        return std::any_of(loaded_.begin(), loaded_.end(), [&](const std::string& l) { return covers(l, name); });
    }

    bool site_names_host_on(size_t site, int port) const {
        for (const Address& a : c_.sites[site].addresses)
            if (a.scheme == "https" && a.port == port && !hostname(a).empty()) return true;
        return false;
    }

    void address(size_t i, const Address& a) {
        const Site& site = c_.sites[i];
        std::string host = hostname(a);
        policy(i, a.port, host);
        if (redirects_on_) redirect(site, a, host);
        if (host.empty()) {
            if (!has_loaded_certs(site) && !site_names_host_on(i, a.port))
                fail_addr(a, " is served over HTTPS but names no host, so there is no name to obtain a certificate for "
                             "(Pogo has no on-demand TLS): write the host name in the address, or give the site \"tls "
                             "CERT_FILE KEY_FILE\"");
            return;
        }
        std::string name = cert_name(host);
        bool loaded = has_loaded_certs(site) || loaded_cover(name);
        if (!certs_on_) {
            if (!loaded)
                fail_addr(a, " is served over HTTPS with no certificate: \"auto_https " + g_.auto_https +
                                 "\" turns certificate management off, so give the site \"tls CERT_FILE KEY_FILE\"" +
                                 (g_.auto_https == "off" ? ", or write the address with http://" : ""));
            return;
        }
        if (loaded && !ignore_loaded_) return;
        certificate(i, a, name);
    }

    void certificate(size_t i, const Address& a, const std::string& name) {
        for (const ManagedCertificate& m : plan_.certificates)
            if (m.name == name) return;
        const Site& site = c_.sites[i];
        const TlsConfig* tls = site.tls ? &*site.tls : nullptr;
        const IssuerConfig* issuer = tls && tls->issuer ? &*tls->issuer : g_.cert_issuer ? &*g_.cert_issuer : nullptr;
        if (name.find('*') != std::string::npos && (name.rfind("*.", 0) != 0 || name.find('*', 1) != std::string::npos))
            fail_addr(a, ": only the left-most label of a name may be a wildcard (*.example.com) to get a certificate");
        ManagedCertificate m;
        m.name = name;
        m.site = i;
        m.key_type = tls && !tls->key_type.empty() ? tls->key_type : g_.key_type;
        bool internal = issuer ? issuer->kind == IssuerConfig::Kind::internal : g_.local_certs || is_internal_name(name);
        if (internal) {
            m.issuer = ManagedCertificate::Issuer::internal;
            if (issuer) m.internal = issuer->internal;
        } else {
            if (name.rfind("*.", 0) == 0)
                fail_addr(a, ": a wildcard certificate from an ACME CA needs the DNS challenge, which Pogo does not "
                             "have: give the site \"tls CERT_FILE KEY_FILE\", or use \"tls internal\"");
            m.issuer = ManagedCertificate::Issuer::acme;
            if (issuer) m.acme = issuer->acme;
            if (m.acme.dir.empty()) m.acme.dir = g_.acme_ca.empty() ? kLetsEncryptDirectory : g_.acme_ca;
            if (m.acme.email.empty()) m.acme.email = tls && !tls->email.empty() ? tls->email : g_.email;
            if (m.acme.trusted_roots.empty() && !g_.acme_ca_root.empty()) m.acme.trusted_roots.push_back(g_.acme_ca_root);
        }
        plan_.certificates.push_back(std::move(m));
    }

    void policy(size_t i, int port, const std::string& host) {
        auto it = std::find_if(plan_.policies.begin(), plan_.policies.end(),
                               [&](const TlsSitePolicy& p) { return p.site == i && p.port == port; });
        if (it == plan_.policies.end()) it = plan_.policies.insert(plan_.policies.end(), TlsSitePolicy{i, port, {}, false});
        if (host.empty()) {
            it->catch_all = true;
        } else if (std::string name = cert_name(host); std::find(it->names.begin(), it->names.end(), name) == it->names.end()) {
            it->names.push_back(name);
        }
    }

    void redirect(const Site& site, const Address& a, const std::string& host) {
        if (a.port == g_.http_port) return;
        if (host.empty() && named_https_ports_.count(a.port)) return;
        for (const std::string& h : http_hosts_)
            if (host.empty() ? h.empty() : !h.empty() && covers(h, host)) return;  // the user's HTTP site wins
        bool keep_port = a.port != g_.https_port && a.port != 443;
        HttpsRedirect r{g_.http_port, host, a.port,
                        "https://{host}" + (keep_port ? ":" + std::to_string(a.port) : std::string()) + "{uri}",
                        site.bind, a.where};
        for (HttpsRedirect& existing : plan_.redirects)
            if (existing.host == host) {
                if (a.port == g_.https_port && existing.https_port != g_.https_port) existing = std::move(r);
                return;
            }
        plan_.redirects.push_back(std::move(r));
    }

    void drop_covered_by_wildcards() {
        std::vector<std::string> wildcards;
        for (const ManagedCertificate& m : plan_.certificates)
            if (m.name.rfind("*.", 0) == 0) wildcards.push_back(m.name);
        std::erase_if(plan_.certificates, [&](const ManagedCertificate& m) {
            return m.name.rfind("*.", 0) != 0 &&
                   std::any_of(wildcards.begin(), wildcards.end(), [&](const std::string& w) { return covers(w, m.name); });
        });
    }

    const Config& c_;
    const GlobalOptions& g_;
    bool certs_on_ = true, redirects_on_ = true, ignore_loaded_ = false;
    std::vector<std::string> loaded_;      // names of HTTPS addresses of sites with loaded certificates
    std::vector<std::string> http_hosts_;  // hosts of HTTP sites on http_port ("" = catch-all)
    std::set<int> named_https_ports_;      // HTTPS ports where some address names a host
    HttpsPlan plan_;
};

}  // namespace

bool is_internal_name(const std::string& name) {
    std::string n = cert_name(name);
    return n == "localhost" || ends_with(n, ".localhost") || ends_with(n, ".local") || ends_with(n, ".internal") ||
           ends_with(n, ".home.arpa") || is_ipv4(n) || n.find(':') != std::string::npos;
}

HttpsPlan plan_https(const Config& config) { return Planner(config).run(); }

}  // namespace caddyfile
