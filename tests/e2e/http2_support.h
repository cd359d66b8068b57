// Shared by the HTTP/2 end-to-end tests (http2_test.cpp, http2_wire_test.cpp): the document root
// they serve, a pogo run with a local-CA HTTPS site and an optional h2c port, wrappers around the
// curl, nghttp and h2load CLIs, and a raw HTTP/2 frame writer and reader for what no client sends.
#pragma once

#include <sys/socket.h>

#include <map>
#include <random>
#include <regex>
#include <set>
#include <thread>

#include "tests/e2e/command.h"
#include "tests/e2e/common.h"
#include "tests/e2e/jobs_app.h"
#include "tests/e2e/tls_support.h"

using namespace e2e;
namespace fs = std::filesystem;


namespace e2e_h2 {

constexpr size_t kBigSize = 5 * 1024 * 1024 + 123;  // the static file and the upload
constexpr int kStreamKb = 4096;                     // the PHP streamed response

// ---------------------------------------------------------------------------------------------
// The document root every test serves.

const char* const kProtoPhp = R"PHP(<?php
// What PHP saw of the connection.
header('Content-Type: application/json');
echo json_encode([
    'protocol' => $_SERVER['SERVER_PROTOCOL'] ?? null,
    'https' => $_SERVER['HTTPS'] ?? null,
    'scheme' => $_SERVER['REQUEST_SCHEME'] ?? null,
    'port' => $_SERVER['SERVER_PORT'] ?? null,
    'host' => $_SERVER['HTTP_HOST'] ?? null,
    'ssl_protocol' => $_SERVER['SSL_PROTOCOL'] ?? null,
    'method' => $_SERVER['REQUEST_METHOD'] ?? null,
    'uri' => $_SERVER['REQUEST_URI'] ?? null,
    'worker' => false,
], JSON_UNESCAPED_SLASHES);
)PHP";

const char* const kWorkerPhp = R"PHP(<?php
// A worker script: boots once, counts its requests, reports what each request saw.
$boot = bin2hex(random_bytes(8));
$count = 0;
$handler = function () use (&$count, $boot) {
    $count++;
    header('Content-Type: application/json');
    echo json_encode([
        'protocol' => $_SERVER['SERVER_PROTOCOL'] ?? null,
        'https' => $_SERVER['HTTPS'] ?? null,
        'scheme' => $_SERVER['REQUEST_SCHEME'] ?? null,
        'worker' => true,
        'boot' => $boot,
        'count' => $count,
    ], JSON_UNESCAPED_SLASHES);
};
while (frankenphp_handle_request($handler)) {
    gc_collect_cycles();
}
)PHP";

const char* const kUploadPhp = R"PHP(<?php
// Reads the request body from php://input in 64 KiB pieces (?slow=1: a short pause after each, so
// the body waits in the server and flow control has to hold the client back) and reports its
// length and SHA-256.
header('Content-Type: application/json');
$in = fopen('php://input', 'rb');
$h = hash_init('sha256');
$n = 0;
$slow = isset($_GET['slow']);
while (!feof($in)) {
    $piece = fread($in, 65536);
    if ($piece === false) break;
    $n += strlen($piece);
    hash_update($h, $piece);
    if ($slow) usleep(2000);
}
echo json_encode(['length' => $n, 'sha256' => hash_final($h),
                  'content_length' => $_SERVER['CONTENT_LENGTH'] ?? null,
                  'protocol' => $_SERVER['SERVER_PROTOCOL'] ?? null]);
)PHP";

const char* const kStreamPhp = R"PHP(<?php
// ?kb=N: N KiB of a known pattern, written and flushed 16 KiB at a time.
header('Content-Type: application/octet-stream');
$block = '';
for ($i = 0; $i < 16384; $i++) {
    $block .= chr(($i * 7 + 3) & 0xff);
}
$n = intdiv((int)($_GET['kb'] ?? 1024), 16);
for ($i = 0; $i < $n; $i++) {
    echo $block;
    flush();
}
)PHP";

const char* const kCookiesPhp = R"PHP(<?php
setcookie('first', 'one');
setcookie('second', 'two', ['path' => '/', 'httponly' => true]);
header('X-Repeated: a');
header('X-Repeated: b', false);
header('Content-Type: text/plain');
echo "cookies set";
)PHP";

const char* const kHintsPhp = R"PHP(<?php
// 103 Early Hints (FrankenPHP's headers_send), then the response.
header('Link: </style.css>; rel=preload; as=style');
headers_send(103);
header('Content-Type: text/plain');
header('X-Final: yes');
echo "after early hints";
)PHP";

const char* const kSlowPhp = R"PHP(<?php
// ?token=T logs "slow-start T"; then waits (up to 30 s) until ?gate=PATH exists.
error_log('slow-start ' . ($_GET['token'] ?? ''));
header('Content-Type: text/plain');
$gate = $_GET['gate'] ?? '';
$deadline = microtime(true) + 30;
while (!file_exists($gate) && microtime(true) < $deadline) {
    usleep(5000);
    clearstatcache();
}
echo file_exists($gate) ? "slow done gate=opened" : "slow done gate=timeout";
)PHP";

const char* const kBarrierPhp = R"PHP(<?php
// ?dir=D&n=N: arrives (a file in D), then waits (up to 20 s) until N requests have arrived. "met"
// proves that N requests were running at the same time.
header('Content-Type: text/plain');
$dir = $_GET['dir'];
$n = (int) $_GET['n'];
touch($dir . '/' . bin2hex(random_bytes(8)));
$deadline = microtime(true) + 20;
while (count(glob($dir . '/*')) < $n && microtime(true) < $deadline) {
    usleep(5000);
    clearstatcache();
}
echo count(glob($dir . '/*')) >= $n ? "met\n" : "timeout\n";
)PHP";

const char* const kEndlessPhp = R"PHP(<?php
// ?token=T: writes 16 KiB pieces until the client goes away (at most 1 GiB). Logs when it starts
// and, from a shutdown function, how it ended: a stream the client reset must end the script.
$t = $_GET['token'] ?? '';
register_shutdown_function(function () use ($t) {
    error_log("endless-end $t aborted=" . connection_aborted());
});
error_log("endless-start $t");
header('Content-Type: application/octet-stream');
$piece = str_repeat('e', 16384);
for ($i = 0; $i < 65536; $i++) {
    echo $piece;
    flush();
}
)PHP";

const char* const kManyHeadersPhp = R"PHP(<?php
// ?n=N: N response headers of 1000 bytes each (a header block past one 16 KiB frame).
$n = (int) ($_GET['n'] ?? 40);
for ($i = 0; $i < $n; $i++) {
    header(sprintf('X-Big-%02d: %s', $i, str_repeat(chr(ord('a') + $i % 26), 1000)));
}
header('Content-Type: text/plain');
echo "many headers";
)PHP";

const char* const kTextPhp = R"PHP(<?php
header('Content-Type: text/plain');
readfile(__DIR__ . '/text.txt');
)PHP";

inline std::string random_bytes(size_t n, unsigned seed) {
    std::string s(n, '\0');
    std::mt19937 rng(seed);
    for (char& ch : s) ch = static_cast<char>(rng() & 0xff);
    return s;
}

// The bytes stream.php writes for ?kb=kb.
inline std::string stream_pattern(int kb) {
    std::string block(16384, '\0');
    for (size_t i = 0; i < block.size(); ++i) block[i] = static_cast<char>((i * 7 + 3) & 0xff);
    std::string out;
    out.reserve(static_cast<size_t>(kb) * 1024);
    for (int i = 0; i < kb / 16; ++i) out += block;
    return out;
}

inline std::string text_file() {
    std::string s;
    for (int i = 0; s.size() < 64 * 1024; ++i)
        s += "line " + std::to_string(i) + ": the quick brown fox jumps over the lazy dog, compressibly.\n";
    return s;
}

inline void make_www(const fs::path& www) {
    write_file(www / "static.txt", read_file(app_root() / "static.txt"));
    write_file(www / "big.bin", random_bytes(kBigSize, 20240611));
    write_file(www / "text.txt", text_file());
    write_file(www / "hello.php", "<?php\necho 'Hello, World!';\n");
    write_file(www / "proto.php", kProtoPhp);
    write_file(www / "worker.php", kWorkerPhp);
    write_file(www / "upload.php", kUploadPhp);
    write_file(www / "stream.php", kStreamPhp);
    write_file(www / "cookies.php", kCookiesPhp);
    write_file(www / "hints.php", kHintsPhp);
    write_file(www / "slow.php", kSlowPhp);
    write_file(www / "barrier.php", kBarrierPhp);
    write_file(www / "text.php", kTextPhp);
    write_file(www / "endless.php", kEndlessPhp);
    write_file(www / "many_headers.php", kManyHeadersPhp);
}

// ---------------------------------------------------------------------------------------------
// One `pogo run`: its ports, storage, Caddyfile and document root.

struct H2Run {
    TempDir dir;
    int http_port = 0, https_port = 0;
    fs::path data, caddyfile, www, access_log;
    std::string caddyfile_text;
    std::unique_ptr<PogoProcess> pogo;

    H2Run() {
        http_port = free_port();
        do https_port = free_port();
        while (https_port == http_port);
        data = dir / "data";
        caddyfile = dir / "Caddyfile";
        www = dir / "www";
        access_log = dir / "access.log";
        make_www(www);
    }

    // The HTTPS tests' globals (own storage, no trust store), with `frankenphp { num_threads 8 }`
    // so that concurrent streams find PHP threads.
    std::string globals(const std::vector<std::string>& extra = {}) const {
        std::vector<std::string> all = {"frankenphp {\n\tnum_threads 8\n}"};
        all.insert(all.end(), extra.begin(), extra.end());
        return https_globals(http_port, https_port, data, all);
    }
    // `localhost` over HTTPS: the document root with php_server and worker.php as a worker,
    // `encode zstd gzip`, an access log; `extra` goes first in the site block.
    std::string https_site(const std::string& extra = "") const {
        return "localhost {\n" + extra + "\troot * " + www.string() + "\n\tlog {\n\t\toutput file " +
               access_log.string() + "\n\t\tformat json\n\t}\n\tencode zstd gzip\n\tphp_server {\n\t\tworker " +
               (www / "worker.php").string() + " 1\n\t}\n}\n";
    }
    // http://127.0.0.1:http_port, plaintext only, with `servers { protocols ... }` when given.
    std::string plain_caddyfile(const std::string& protocols) const {
        std::string g = "{\n\tadmin off\n\tauto_https off\n\tfrankenphp {\n\t\tnum_threads 8\n\t}\n";
        if (!protocols.empty()) g += "\tservers {\n\t\tprotocols " + protocols + "\n\t}\n";
        return g + "}\nhttp://127.0.0.1:" + std::to_string(http_port) + " {\n\troot * " + www.string() +
               "\n\tphp_server\n}\n";
    }

    void write(const std::string& text) {
        caddyfile_text = text;
        write_file(caddyfile, text);
    }
    void launch() {
        pogo = std::make_unique<PogoProcess>(std::vector<std::string>{"run", "--config", caddyfile.string()});
    }
    // Starts pogo and waits for the HTTPS listener and the HTTP one (the redirects).
    void start_https() {
        launch();
        bool https = wait_listening_on(*pogo, "https", https_port);
        bool http = https && wait_listening_on(*pogo, "http", http_port);
        INFO(caddyfile_text);
        INFO(pogo->describe());
        REQUIRE_MESSAGE(https, "no \"listening\" line for https://...:" << https_port);
        REQUIRE_MESSAGE(http, "no \"listening\" line for http://...:" << http_port);
    }
    // Starts pogo and waits for its plaintext listener.
    void start_plain() {
        launch();
        bool http = wait_listening_on(*pogo, "http", http_port);
        INFO(caddyfile_text);
        INFO(pogo->describe());
        REQUIRE_MESSAGE(http, "no \"listening\" line for http://...:" << http_port);
    }

    std::string root_cert() const { return local_root_cert(data).string(); }
    std::string url(const std::string& path = "/") const {
        return "https://localhost:" + std::to_string(https_port) + path;
    }
    std::string plain_url(const std::string& path = "/") const {
        return "http://127.0.0.1:" + std::to_string(http_port) + path;
    }
    std::string resolve() const { return "localhost:" + std::to_string(https_port) + ":127.0.0.1"; }
    // An HTTPS request offering h2 (HTTP/1.1 when !h2), trusting the local root only.
    Request request(const std::string& path, bool h2 = true) const {
        Request r;
        r.url = url(path);
        r.ca_file = root_cert();
        r.resolve = {resolve()};
        r.http2 = h2;
        return r;
    }
    Request plain_request(const std::string& path, bool prior_knowledge) const {
        Request r;
        r.url = plain_url(path);
        r.http2_prior_knowledge = prior_knowledge;
        return r;
    }
    // curl CLI arguments for an HTTPS request to localhost: trust and address.
    std::vector<std::string> tls_args() const { return {"--cacert", root_cert(), "--resolve", resolve()}; }
};

// ---------------------------------------------------------------------------------------------
// Clients.

// One curl CLI run: the body (stdout, or empty with --output), the status and the HTTP version
// curl used ("2", "1.1"), from --write-out.
struct Curl {
    CommandResult run;
    std::string body;
    int status = 0;
    std::string version;
    std::string describe() const { return run.describe(); }
};

inline Curl curl(const std::vector<std::string>& args, milliseconds timeout = milliseconds(120000)) {
    static const std::string kMark = "\n@@pogo-e2e@@ ";
    std::vector<std::string> argv = {require_tool("curl"), "--silent", "--show-error", "--max-time",
                                     std::to_string(timeout.count() / 1000), "--write-out",
                                     kMark + "%{http_code} %{http_version}"};
    argv.insert(argv.end(), args.begin(), args.end());
    Curl c;
    c.run = run_command(argv, {.timeout = timeout + milliseconds(5000)});
    size_t at = c.run.out.rfind(kMark);
    if (at == std::string::npos) {
        c.body = c.run.out;
        return c;
    }
    c.body = c.run.out.substr(0, at);
    std::string tail = c.run.out.substr(at + kMark.size());
    c.status = std::atoi(tail.c_str());
    if (size_t sp = tail.find(' '); sp != std::string::npos) c.version = tail.substr(sp + 1);
    while (!c.version.empty() && std::isspace(static_cast<unsigned char>(c.version.back()))) c.version.pop_back();
    return c;
}

inline CommandResult nghttp(const std::vector<std::string>& args, milliseconds timeout = milliseconds(120000)) {
    std::vector<std::string> argv = {require_tool("nghttp"), "--timeout=" + std::to_string(timeout.count() / 1000)};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, {.timeout = timeout + milliseconds(5000)});
}

// The ":status" of every response `nghttp -v` printed ("recv (stream_id=13) :status: 200"), by stream.
inline std::map<int, int> nghttp_statuses(const std::string& verbose_out) {
    std::map<int, int> out;
    static const std::regex re(R"(recv \(stream_id=(\d+)\) :status: (\d+))");
    for (auto it = std::sregex_iterator(verbose_out.begin(), verbose_out.end(), re); it != std::sregex_iterator(); ++it) {
        int stream = std::stoi((*it)[1]), status = std::stoi((*it)[2]);
        if (status >= 200) out[stream] = status;  // the final status, not a 1xx
    }
    return out;
}

// One h2load run, its summary parsed.
struct H2Load {
    CommandResult run;
    long total = -1, succeeded = -1, failed = -1, errored = -1, timeouts = -1, status_2xx = -1;
    std::string protocol;  // "Application protocol: h2"
    bool parsed = false;
    std::string describe() const { return run.describe(); }
};

inline H2Load h2load(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {require_tool("h2load")};
    argv.insert(argv.end(), args.begin(), args.end());
    H2Load h;
    h.run = run_command(argv, {.timeout = milliseconds(300000)});
    std::smatch m;
    const std::string& out = h.run.out;
    // "requests: 2000 total, 2000 started, 2000 done, 2000 succeeded, 0 failed, 0 errored, 0 timeout"
    if (std::regex_search(out, m, std::regex(R"(requests: (\d+) total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout)"))) {
        h.parsed = true;
        h.total = std::stol(m[1]);
        h.succeeded = std::stol(m[2]);
        h.failed = std::stol(m[3]);
        h.errored = std::stol(m[4]);
        h.timeouts = std::stol(m[5]);
    }
    if (std::regex_search(out, m, std::regex(R"(status codes: (\d+) 2xx)"))) h.status_2xx = std::stol(m[1]);
    if (std::regex_search(out, m, std::regex(R"(Application protocol: (\S+))"))) h.protocol = m[1];
    return h;
}

inline void check_h2load_clean(const H2Load& h, long n, const std::string& protocol) {
    INFO(h.describe());
    REQUIRE(h.parsed);
    CHECK(h.run.exit_code == 0);
    CHECK(h.protocol == protocol);
    CHECK(h.total == n);
    CHECK(h.succeeded == n);
    CHECK(h.failed == 0);
    CHECK(h.errored == 0);
    CHECK(h.timeouts == 0);
    CHECK(h.status_2xx == n);
}

inline std::string sha256_of(const std::string& bytes, const fs::path& scratch) {
    write_file(scratch, bytes);
    std::string sha = sha256_hex(scratch);
    fs::remove(scratch);
    return sha;
}

// ---------------------------------------------------------------------------------------------
// HTTP/2 frames by hand (RFC 9113 section 4.1; HPACK, RFC 7541, literal fields only).

constexpr std::string_view kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
enum : uint8_t { kData = 0, kHeaders = 1, kRstStream = 3, kSettings = 4, kGoaway = 7, kWindowUpdate = 8 };
enum : uint16_t { kSettingsInitialWindowSize = 0x4 };
enum : uint8_t { kEndStream = 0x1, kEndHeaders = 0x4 };
enum : uint32_t { kNoError = 0x0, kProtocolError = 0x1, kCancel = 0x8, kCompressionError = 0x9, kEnhanceYourCalm = 0xb };

inline std::string frame(uint8_t type, uint8_t flags, uint32_t stream, std::string_view payload) {
    const auto len = static_cast<uint32_t>(payload.size());
    std::string f;
    f += static_cast<char>((len >> 16) & 0xff);
    f += static_cast<char>((len >> 8) & 0xff);
    f += static_cast<char>(len & 0xff);
    f += static_cast<char>(type);
    f += static_cast<char>(flags);
    f += static_cast<char>((stream >> 24) & 0x7f);
    f += static_cast<char>((stream >> 16) & 0xff);
    f += static_cast<char>((stream >> 8) & 0xff);
    f += static_cast<char>(stream & 0xff);
    f += payload;
    return f;
}

inline std::string u32(uint32_t v) {
    return {static_cast<char>(v >> 24), static_cast<char>((v >> 16) & 0xff), static_cast<char>((v >> 8) & 0xff),
            static_cast<char>(v & 0xff)};
}

// "Literal header field without indexing, indexed name" (RFC 7541 6.2.2): the name from the static
// table (`index` < 15), the value as a plain string literal (< 127 bytes).
inline std::string literal_field(uint8_t index, std::string_view value) {
    std::string s;
    s += static_cast<char>(index);
    s += static_cast<char>(value.size());
    s += value;
    return s;
}

// GET `path` on `authority`, over http: 1 :authority, 2 :method, 4 :path, 6 :scheme.
inline std::string request_block(const std::string& authority, const std::string& path) {
    return literal_field(2, "GET") + literal_field(6, "http") + literal_field(4, path) + literal_field(1, authority);
}

inline std::string setting(uint16_t id, uint32_t value) {
    return std::string{static_cast<char>(id >> 8), static_cast<char>(id & 0xff)} + u32(value);
}

struct Frame {
    uint8_t type = 0, flags = 0;
    uint32_t stream = 0;
    std::string payload;
};

// The complete frames at the start of `bytes` (what the server sent after its preface-less start).
inline std::vector<Frame> parse_frames(std::string_view bytes) {
    std::vector<Frame> out;
    size_t at = 0;
    while (bytes.size() - at >= 9) {
        auto b = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(bytes[at + i])); };
        uint32_t len = (b(0) << 16) | (b(1) << 8) | b(2);
        if (bytes.size() - at - 9 < len) break;
        Frame f;
        f.type = static_cast<uint8_t>(b(3));
        f.flags = static_cast<uint8_t>(b(4));
        f.stream = ((b(5) & 0x7f) << 24) | (b(6) << 16) | (b(7) << 8) | b(8);
        f.payload = std::string(bytes.substr(at + 9, len));
        out.push_back(std::move(f));
        at += 9 + len;
    }
    return out;
}

struct Goaway {
    bool seen = false;
    uint32_t last_stream = 0, error = 0;
    std::string debug;
};

inline Goaway find_goaway(const std::vector<Frame>& frames) {
    Goaway g;
    for (const auto& f : frames) {
        if (f.type != kGoaway || f.payload.size() < 8) continue;
        auto b = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(f.payload[i])); };
        g.seen = true;
        g.last_stream = ((b(0) & 0x7f) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
        g.error = (b(4) << 24) | (b(5) << 16) | (b(6) << 8) | b(7);
        g.debug = f.payload.substr(8);
        return g;
    }
    return g;
}

inline std::string describe_frames(const std::vector<Frame>& frames, size_t received) {
    std::string s = std::to_string(received) + " bytes received, " + std::to_string(frames.size()) + " frames:";
    size_t shown = 0;
    for (const auto& f : frames) {
        if (++shown > 40) {
            s += " ...";
            break;
        }
        s += " [type " + std::to_string(f.type) + " flags " + std::to_string(f.flags) + " stream " +
             std::to_string(f.stream) + " len " + std::to_string(f.payload.size()) + "]";
    }
    Goaway g = find_goaway(frames);
    if (g.seen)
        s += "\nGOAWAY last_stream " + std::to_string(g.last_stream) + " error " + std::to_string(g.error) + " debug \"" +
             g.debug + "\"";
    return s;
}

// The DATA of `stream` in `frames`, and whether it ended (END_STREAM).
struct StreamData {
    std::string body;
    bool ended = false;
};
inline StreamData stream_data(const std::vector<Frame>& frames, uint32_t stream) {
    StreamData d;
    for (const auto& f : frames) {
        if (f.stream != stream) continue;
        if (f.type == kData) d.body += f.payload;
        if ((f.type == kData || f.type == kHeaders) && (f.flags & kEndStream)) d.ended = true;
    }
    return d;
}

// Reads from `c` until `stream` has ended (or the connection closed, or the deadline).
inline bool read_until_stream_end(RawConnection& c, uint32_t stream) {
    return poll_until([&] {
        c.read_until_closed(milliseconds(50));  // reads what arrived meanwhile
        return stream_data(parse_frames(c.received()), stream).ended || c.peer_closed();
    }) && stream_data(parse_frames(c.received()), stream).ended;
}

// A fresh client still gets answers: HTTP/2 with prior knowledge (when `h2c`) and HTTP/1.1.
inline void check_plain_still_serving(const H2Run& run, bool h2c) {
    HttpClient h1;
    Response r = h1.perform(run.plain_request("/static.txt", false));
    INFO(r.describe());
    INFO(run.pogo->describe());
    CHECK(r.status == 200);
    CHECK(r.http_version == "HTTP/1.1");
    CHECK(r.body == read_file(run.www / "static.txt"));
    if (h2c) {
        HttpClient h2;
        Response p = h2.perform(run.plain_request("/proto.php", true));
        INFO(p.describe());
        CHECK(p.status == 200);
        CHECK(p.http_version == "HTTP/2");
        CHECK(p.body.find("\"protocol\":\"HTTP/2.0\"") != std::string::npos);
    }
    CHECK(run.pogo->running());
}

}  // namespace e2e_h2
