// What the HTTPS end-to-end tests share: the global options block that keeps a server's
// certificates in a test's own directory, waiting for a listener by scheme and port, and the
// `openssl` CLI as a second TLS client (`s_client` for the negotiated protocol, cipher, ALPN and
// the served chain; `x509` to read a certificate), parsed into plain fields.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "tests/e2e/command.h"
#include "tests/e2e/harness.h"

namespace e2e {

// `{ admin off; http_port P1; https_port P2; storage file_system { root DATA }; skip_install_trust
// EXTRA... }`, the global options block of every HTTPS test, one option per line (each `extra`
// entry is written as its own line or lines, indented).
std::string https_globals(int http_port, int https_port, const std::filesystem::path& data_dir,
                          const std::vector<std::string>& extra = {});

// The local CA's root certificate in a storage directory (Caddy's layout).
std::filesystem::path local_root_cert(const std::filesystem::path& data_dir);

// Waits for the server's `"listening"` log line for `scheme://...:port` (any host). False at the
// deadline or when the child's stderr closes first.
bool wait_listening_on(PogoProcess& pogo, std::string_view scheme, int port, milliseconds timeout = kDeadline);

// Waits until the child's stderr holds `count` occurrences of `needle`.
bool wait_stderr_count(PogoProcess& pogo, std::string_view needle, size_t count, milliseconds timeout = kDeadline);
size_t count_of(std::string_view haystack, std::string_view needle);
// The 1-based number of the first line of `text` containing `needle`, 0 if none (to expect
// `Caddyfile:N:` in an error without counting lines by hand).
int line_of(std::string_view text, std::string_view needle);

// The stderr lines (JSON log lines) that contain every one of `needles`.
std::vector<std::string> log_lines_with(const PogoProcess& pogo, const std::vector<std::string>& needles);

// The PEM blocks ("-----BEGIN CERTIFICATE-----" ... END) found in `text`, in order.
std::vector<std::string> pem_certificates(std::string_view text);

// One `openssl s_client` run, parsed.
struct SClient {
    CommandResult run;
    bool handshake = false;     // a cipher was negotiated ("Cipher is" something other than (NONE))
    std::string protocol;       // "TLSv1.3"
    std::string cipher;         // "TLS_AES_128_GCM_SHA256"
    std::string alpn;           // "" when none was negotiated
    int verify_code = -1;       // "Verify return code: N"
    std::vector<std::string> chain;  // -showcerts: the served chain, leaf first
    std::string describe() const { return run.describe(); }
};

// `openssl s_client -connect 127.0.0.1:PORT -servername SNI -showcerts [-CAfile CA] extra...`
// with `input` on stdin (EOF after it unless hold_stdin). An empty `sni` sends none (-noservername).
SClient s_client(int port, const std::string& sni, const std::string& ca_file,
                 const std::vector<std::string>& extra = {}, const CommandOptions& options = {});

// What `openssl x509` says about one PEM certificate.
struct CertInfo {
    std::string subject, issuer;
    std::string san;          // the subjectAltName extension as openssl prints it: "DNS:localhost"
    std::string fingerprint;  // SHA-256, "AB:CD:..."
    bool ok = false;
    std::string raw;          // the whole output, for failure messages
};
CertInfo cert_info(const std::string& pem);

// `openssl verify -CAfile CA [-untrusted CHAIN] LEAF` (with `-purpose sslserver`); the output
// ("...: OK") and the exit code.
CommandResult openssl_verify(const std::filesystem::path& ca_file, const std::string& leaf_pem,
                             const std::vector<std::string>& intermediates, const std::filesystem::path& work_dir);

std::string sha256_hex(const std::filesystem::path& file);

}  // namespace e2e
