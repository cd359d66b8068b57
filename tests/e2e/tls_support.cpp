#include "tests/e2e/tls_support.h"

#include <regex>

namespace e2e {

namespace fs = std::filesystem;

std::string https_globals(int http_port, int https_port, const fs::path& data_dir, const std::vector<std::string>& extra) {
    std::string s = "{\n\tadmin off\n\thttp_port " + std::to_string(http_port) + "\n\thttps_port " +
                    std::to_string(https_port) + "\n\tstorage file_system {\n\t\troot " + data_dir.string() +
                    "\n\t}\n\tskip_install_trust\n";
    for (const auto& e : extra) {
        for (const auto& line : lines_of(e)) s += "\t" + line + "\n";
    }
    return s + "}\n";
}

fs::path local_root_cert(const fs::path& data_dir) { return data_dir / "pki" / "authorities" / "local" / "root.crt"; }

bool wait_listening_on(PogoProcess& pogo, std::string_view scheme, int port, milliseconds timeout) {
    // {"...","msg":"listening","address":"https://[::]:8443"} or any host form the server uses.
    const std::regex re("\"address\":\"" + std::string(scheme) + "://[^\"]*:" + std::to_string(port) + "\"");
    bool found = false;
    poll_until(
        [&] {
            found = std::regex_search(pogo.stderr_text(), re);
            return found || !pogo.running();
        },
        timeout);
    if (!found) found = std::regex_search(pogo.stderr_text(), re);
    return found;
}

size_t count_of(std::string_view haystack, std::string_view needle) {
    size_t n = 0;
    for (size_t at = haystack.find(needle); at != std::string_view::npos; at = haystack.find(needle, at + needle.size())) ++n;
    return n;
}

int line_of(std::string_view text, std::string_view needle) {
    size_t at = text.find(needle);
    if (at == std::string_view::npos) return 0;
    return 1 + static_cast<int>(count_of(text.substr(0, at), "\n"));
}

bool wait_stderr_count(PogoProcess& pogo, std::string_view needle, size_t count, milliseconds timeout) {
    return poll_until([&] { return count_of(pogo.stderr_text(), needle) >= count || !pogo.running(); }, timeout) &&
           count_of(pogo.stderr_text(), needle) >= count;
}

std::vector<std::string> log_lines_with(const PogoProcess& pogo, const std::vector<std::string>& needles) {
    std::vector<std::string> out;
    for (auto& line : lines_of(pogo.stderr_text())) {
        bool all = true;
        for (auto& n : needles) all = all && line.find(n) != std::string::npos;
        if (all) out.push_back(line);
    }
    return out;
}

std::vector<std::string> pem_certificates(std::string_view text) {
    static constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----", kEnd = "-----END CERTIFICATE-----";
    std::vector<std::string> out;
    size_t at = 0;
    while ((at = text.find(kBegin, at)) != std::string_view::npos) {
        size_t end = text.find(kEnd, at);
        if (end == std::string_view::npos) break;
        end += kEnd.size();
        out.emplace_back(std::string(text.substr(at, end - at)) + "\n");
        at = end;
    }
    return out;
}

SClient s_client(int port, const std::string& sni, const std::string& ca_file, const std::vector<std::string>& extra,
                 const CommandOptions& options) {
    SClient s;
    std::vector<std::string> argv = {require_tool("openssl"), "s_client", "-connect", "127.0.0.1:" + std::to_string(port),
                                     "-showcerts"};
    if (sni.empty()) {
        argv.push_back("-noservername");
    } else {
        argv.push_back("-servername");
        argv.push_back(sni);
    }
    if (!ca_file.empty()) {
        argv.push_back("-CAfile");
        argv.push_back(ca_file);
    }
    argv.insert(argv.end(), extra.begin(), extra.end());
    s.run = run_command(argv, options);
    const std::string& out = s.run.out;
    std::smatch m;
    // "New, TLSv1.3, Cipher is TLS_AES_128_GCM_SHA256" (or "New, (NONE), Cipher is (NONE)").
    if (std::regex_search(out, m, std::regex("New, ([^,]+), Cipher is (\\S+)"))) {
        if (m[2] != "(NONE)") {
            s.handshake = true;
            s.protocol = m[1];
            s.cipher = m[2];
        }
    }
    if (std::regex_search(out, m, std::regex("ALPN protocol: (\\S+)"))) s.alpn = m[1];
    if (std::regex_search(out, m, std::regex("Verify return code: (\\d+)"))) s.verify_code = std::stoi(m[1]);
    s.chain = pem_certificates(out);
    return s;
}

CertInfo cert_info(const std::string& pem) {
    CertInfo c;
    CommandResult r = run_command({require_tool("openssl"), "x509", "-noout", "-subject", "-issuer", "-fingerprint",
                                   "-sha256", "-ext", "subjectAltName"},
                                  {.input = pem});
    c.raw = r.describe();
    if (r.exit_code != 0) return c;
    c.ok = true;
    std::smatch m;
    if (std::regex_search(r.out, m, std::regex("subject=\\s*(.*)"))) c.subject = m[1];
    if (std::regex_search(r.out, m, std::regex("issuer=\\s*(.*)"))) c.issuer = m[1];
    if (std::regex_search(r.out, m, std::regex("Fingerprint=([0-9A-F:]+)"))) c.fingerprint = m[1];
    // X509v3 Subject Alternative Name: \n    DNS:localhost
    if (std::regex_search(r.out, m, std::regex("Subject Alternative Name:[^\\n]*\\n\\s*([^\\n]*)"))) c.san = m[1];
    return c;
}

CommandResult openssl_verify(const fs::path& ca_file, const std::string& leaf_pem,
                             const std::vector<std::string>& intermediates, const fs::path& work_dir) {
    const fs::path leaf = work_dir / "verify-leaf.pem", chain = work_dir / "verify-untrusted.pem";
    write_file(leaf, leaf_pem);
    std::vector<std::string> argv = {require_tool("openssl"), "verify", "-purpose", "sslserver", "-CAfile",
                                     ca_file.string()};
    if (!intermediates.empty()) {
        std::string all;
        for (auto& p : intermediates) all += p;
        write_file(chain, all);
        argv.push_back("-untrusted");
        argv.push_back(chain.string());
    }
    argv.push_back(leaf.string());
    return run_command(argv);
}

std::string sha256_hex(const fs::path& file) {
    CommandResult r = run_command({require_tool("openssl"), "dgst", "-sha256", "-r", file.string()});
    if (r.exit_code != 0) return "<openssl dgst failed: " + r.err + ">";
    return r.out.substr(0, r.out.find(' '));
}

}  // namespace e2e
