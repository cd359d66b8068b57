// HTTP/2 through the real `pogo run`, as Caddy and FrankenPHP serve it: h2 by ALPN on every TLS
// listener, h2c (prior knowledge only) on plaintext listeners when `servers { protocols h1 h2 h2c }`
// asks for it, each stream one request to the same handlers (static files, classic PHP, worker
// mode, Pogo jobs). Every answer is checked by real HTTP/2 clients: the curl CLI and libcurl
// (through HttpClient), nghttp and h2load (Debian's nghttp2-client), openssl s_client for ALPN, and
// a raw socket writing frames by hand for what no client sends on purpose (rapid reset floods,
// garbage after the connection preface).
//
// Each test writes its own document root (www/): the PHP scripts report what they saw, the static
// files are made here so their hashes are known. Waits are "until X, or a deadline"; PHP scripts
// that must still be running when the test acts wait on gate files the test creates.
//
// Debian 12's curl/libcurl 7.88.1 has HTTP/2 client bugs these tests step around, each noted where
// it matters: it cannot reuse an h2c prior-knowledge connection (nginx shows the same), it reports
// a RST_STREAM(NO_ERROR) that follows a complete response (RFC 9113 8.1) as error 92, and with its
// default 16 KiB buffer it does not finish a response without content-length whose head spans
// frames (the frames themselves are checked raw below).
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

namespace {

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

std::string random_bytes(size_t n, unsigned seed) {
    std::string s(n, '\0');
    std::mt19937 rng(seed);
    for (char& ch : s) ch = static_cast<char>(rng() & 0xff);
    return s;
}

// The bytes stream.php writes for ?kb=kb.
std::string stream_pattern(int kb) {
    std::string block(16384, '\0');
    for (size_t i = 0; i < block.size(); ++i) block[i] = static_cast<char>((i * 7 + 3) & 0xff);
    std::string out;
    out.reserve(static_cast<size_t>(kb) * 1024);
    for (int i = 0; i < kb / 16; ++i) out += block;
    return out;
}

std::string text_file() {
    std::string s;
    for (int i = 0; s.size() < 64 * 1024; ++i)
        s += "line " + std::to_string(i) + ": the quick brown fox jumps over the lazy dog, compressibly.\n";
    return s;
}

void make_www(const fs::path& www) {
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

Curl curl(const std::vector<std::string>& args, milliseconds timeout = milliseconds(120000)) {
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

CommandResult nghttp(const std::vector<std::string>& args, milliseconds timeout = milliseconds(120000)) {
    std::vector<std::string> argv = {require_tool("nghttp"), "--timeout=" + std::to_string(timeout.count() / 1000)};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, {.timeout = timeout + milliseconds(5000)});
}

// The ":status" of every response `nghttp -v` printed ("recv (stream_id=13) :status: 200"), by stream.
std::map<int, int> nghttp_statuses(const std::string& verbose_out) {
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

H2Load h2load(const std::vector<std::string>& args) {
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

void check_h2load_clean(const H2Load& h, long n, const std::string& protocol) {
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

std::string sha256_of(const std::string& bytes, const fs::path& scratch) {
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

std::string frame(uint8_t type, uint8_t flags, uint32_t stream, std::string_view payload) {
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

std::string u32(uint32_t v) {
    return {static_cast<char>(v >> 24), static_cast<char>((v >> 16) & 0xff), static_cast<char>((v >> 8) & 0xff),
            static_cast<char>(v & 0xff)};
}

// "Literal header field without indexing, indexed name" (RFC 7541 6.2.2): the name from the static
// table (`index` < 15), the value as a plain string literal (< 127 bytes).
std::string literal_field(uint8_t index, std::string_view value) {
    std::string s;
    s += static_cast<char>(index);
    s += static_cast<char>(value.size());
    s += value;
    return s;
}

// GET `path` on `authority`, over http: 1 :authority, 2 :method, 4 :path, 6 :scheme.
std::string request_block(const std::string& authority, const std::string& path) {
    return literal_field(2, "GET") + literal_field(6, "http") + literal_field(4, path) + literal_field(1, authority);
}

std::string setting(uint16_t id, uint32_t value) {
    return std::string{static_cast<char>(id >> 8), static_cast<char>(id & 0xff)} + u32(value);
}

struct Frame {
    uint8_t type = 0, flags = 0;
    uint32_t stream = 0;
    std::string payload;
};

// The complete frames at the start of `bytes` (what the server sent after its preface-less start).
std::vector<Frame> parse_frames(std::string_view bytes) {
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

Goaway find_goaway(const std::vector<Frame>& frames) {
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

std::string describe_frames(const std::vector<Frame>& frames, size_t received) {
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
StreamData stream_data(const std::vector<Frame>& frames, uint32_t stream) {
    StreamData d;
    for (const auto& f : frames) {
        if (f.stream != stream) continue;
        if (f.type == kData) d.body += f.payload;
        if ((f.type == kData || f.type == kHeaders) && (f.flags & kEndStream)) d.ended = true;
    }
    return d;
}

// Reads from `c` until `stream` has ended (or the connection closed, or the deadline).
bool read_until_stream_end(RawConnection& c, uint32_t stream) {
    return poll_until([&] {
        c.read_until_closed(milliseconds(50));  // reads what arrived meanwhile
        return stream_data(parse_frames(c.received()), stream).ended || c.peer_closed();
    }) && stream_data(parse_frames(c.received()), stream).ended;
}

// A fresh client still gets answers: HTTP/2 with prior knowledge (when `h2c`) and HTTP/1.1.
void check_plain_still_serving(const H2Run& run, bool h2c) {
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

}  // namespace

// =============================================================================================

TEST_CASE("h2 by ALPN: curl --http2 gets HTTP/2; PHP (classic and worker) sees HTTP/2.0 over https; static files; access log") {
    H2Run run;
    run.write(run.globals() + run.https_site());
    run.start_https();

    // ALPN: the server picks h2 when offered, http/1.1 when that is all the client offers.
    SClient h2 = s_client(run.https_port, "localhost", run.root_cert(), {"-alpn", "h2,http/1.1"});
    INFO(h2.describe());
    CHECK(h2.handshake);
    CHECK(h2.alpn == "h2");
    SClient h1 = s_client(run.https_port, "localhost", run.root_cert(), {"-alpn", "http/1.1"});
    INFO(h1.describe());
    CHECK(h1.alpn == "http/1.1");

    // The curl CLI.
    Curl c = curl({"--http2", "--cacert", run.root_cert(), "--resolve", run.resolve(), run.url("/proto.php")});
    INFO(c.describe());
    CHECK(c.run.exit_code == 0);
    CHECK(c.status == 200);
    CHECK(c.version == "2");
    json p = json::parse(c.body, nullptr, false);
    REQUIRE_FALSE(p.is_discarded());
    CHECK(p["protocol"] == "HTTP/2.0");
    CHECK(p["https"] == "on");
    CHECK(p["scheme"] == "https");
    CHECK(p["port"] == std::to_string(run.https_port));
    CHECK(p["host"] == "localhost:" + std::to_string(run.https_port));  // from :authority
    CHECK(p["worker"] == false);

    // libcurl: classic PHP, the worker and a static file, all on one connection.
    HttpClient client;
    Response r = client.perform(run.request("/proto.php?x=1"));
    INFO(r.describe());
    REQUIRE(r.status == 200);
    CHECK(r.http_version == "HTTP/2");
    json j = body_json(r);
    CHECK(j["protocol"] == "HTTP/2.0");
    CHECK(j["https"] == "on");
    CHECK(j["scheme"] == "https");
    CHECK(j["uri"] == "/proto.php?x=1");
    CHECK(j["ssl_protocol"].is_string());

    std::string boot;
    for (int i = 1; i <= 3; ++i) {
        CAPTURE(i);
        Response w = client.perform(run.request("/worker.php"));
        INFO(w.describe());
        REQUIRE(w.status == 200);
        CHECK(w.http_version == "HTTP/2");
        CHECK(w.new_connections == 0);  // the same h2 connection
        json wj = body_json(w);
        CHECK(wj["worker"] == true);
        CHECK(wj["protocol"] == "HTTP/2.0");
        CHECK(wj["https"] == "on");
        CHECK(wj["scheme"] == "https");
        CHECK(wj["count"] == i);
        if (i == 1) boot = wj["boot"];
        CHECK(wj["boot"] == boot);
    }

    Response s = client.perform(run.request("/static.txt"));
    INFO(s.describe());
    CHECK(s.status == 200);
    CHECK(s.http_version == "HTTP/2");
    CHECK(s.new_connections == 0);
    CHECK(s.body == read_file(run.www / "static.txt"));
    CHECK(s.header("content-length") == std::to_string(s.body.size()));
    CHECK(s.header("content-type").starts_with("text/plain"));

    Response hello = client.perform(run.request("/hello.php"));
    CHECK(hello.status == 200);
    CHECK(hello.body == "Hello, World!");

    // The access log: "proto":"HTTP/2.0", as Caddy writes it for an h2 request.
    std::string log;
    bool logged = poll_until([&] {
        log = fs::exists(run.access_log) ? read_file(run.access_log) : "";
        return log.find("/proto.php?x=1") != std::string::npos && log.find("/hello.php") != std::string::npos;
    });
    INFO(log);
    REQUIRE(logged);
    int checked = 0;
    for (const auto& line : lines_of(log)) {
        json e = json::parse(line, nullptr, false);
        if (e.is_discarded() || !e.contains("request")) continue;
        CAPTURE(line);
        CHECK(e["request"]["proto"] == "HTTP/2.0");
        CHECK(e["status"] == 200);
        ++checked;
    }
    CHECK(checked >= 6);
    CHECK(run.pogo->stop() == 0);
}

TEST_CASE("h2 response heads: set-cookie twice, content-length, HEAD, 304 on If-None-Match, 404, encode gzip and zstd") {
    H2Run run;
    run.write(run.globals() + run.https_site());
    run.start_https();
    HttpClient client;

    {
        INFO("two Set-Cookie fields (and two of another repeated header) stay two fields over h2");
        Response r = client.perform(run.request("/cookies.php"));
        INFO(r.describe());
        REQUIRE(r.status == 200);
        CHECK(r.http_version == "HTTP/2");
        auto cookies = r.headers_named("set-cookie");
        REQUIRE(cookies.size() == 2);
        CHECK(cookies[0].starts_with("first=one"));
        CHECK(cookies[1].starts_with("second=two"));
        CHECK(cookies[1].find("HttpOnly") != std::string::npos);
        CHECK(r.headers_named("x-repeated") == std::vector<std::string>{"a", "b"});
        // No connection-specific field may appear in an h2 response (RFC 9113 8.2.2).
        CHECK_FALSE(r.has_header("connection"));
        CHECK_FALSE(r.has_header("transfer-encoding"));
        CHECK_FALSE(r.has_header("keep-alive"));
    }
    {
        INFO("a static file: content-length, ETag; HEAD has the same head and no body; 304 on its ETag");
        const std::string body = read_file(run.www / "text.txt");
        Response r = client.perform(run.request("/text.txt"));
        INFO(r.describe());
        REQUIRE(r.status == 200);
        CHECK(r.body == body);
        CHECK(r.header("content-length") == std::to_string(body.size()));
        const std::string etag = r.header("etag");
        CHECK_FALSE(etag.empty());

        Request head = run.request("/text.txt");
        head.method = "HEAD";
        Response h = client.perform(head);
        INFO(h.describe());
        CHECK(h.status == 200);
        CHECK(h.http_version == "HTTP/2");
        CHECK(h.body.empty());
        CHECK(h.header("content-length") == std::to_string(body.size()));
        CHECK(h.header("etag") == etag);

        Request cond = run.request("/text.txt");
        cond.headers = {"If-None-Match: " + etag};
        Response nm = client.perform(cond);
        INFO(nm.describe());
        CHECK(nm.status == 304);
        CHECK(nm.http_version == "HTTP/2");
        CHECK(nm.body.empty());
        CHECK(nm.header("etag") == etag);

        // The curl CLI agrees (HEAD with -I prints the head).
        Curl c = curl({"--http2", "-I", "--cacert", run.root_cert(), "--resolve", run.resolve(), run.url("/text.txt")});
        INFO(c.describe());
        CHECK(c.status == 200);
        CHECK(c.version == "2");
        CHECK(c.body.find("HTTP/2 200") != std::string::npos);
        CHECK(c.body.find("content-length: " + std::to_string(body.size())) != std::string::npos);
    }
    {
        INFO("a 40 KB response header block (HEADERS + CONTINUATION) arrives whole");
        // Not through libcurl: Debian 12's libcurl 7.88.1 (default 16 KiB buffer) never completes
        // a response whose head spans frames when it has no content-length, from any server
        // whose frames arrive together (nginx sends the same frames; see the report). The curl
        // CLI (its buffer is larger), nghttp and the raw frames below are the clients here.
        Curl c = curl({"--http2", "--cacert", run.root_cert(), "--resolve", run.resolve(), "--dump-header",
                       (run.dir / "many.txt").string(), run.url("/many_headers.php?n=40")});
        INFO(c.describe().substr(0, 1500));
        CHECK(c.status == 200);
        CHECK(c.version == "2");
        CHECK(c.body == "many headers");
        const std::string head = read_file(run.dir / "many.txt");
        int found = 0;
        for (int i = 0; i < 40; ++i) {
            char name[16];
            std::snprintf(name, sizeof name, "x-big-%02d", i);
            found += head.find(std::string(name) + ": " + std::string(1000, static_cast<char>('a' + i % 26)) + "\r\n") !=
                     std::string::npos;
        }
        CHECK(found == 40);
        CommandResult n = nghttp({"-n", "-v", run.url("/many_headers.php?n=40")});
        CHECK(n.exit_code == 0);
        CHECK(n.out.find("x-big-39: " + std::string(1000, static_cast<char>('a' + 39 % 26))) != std::string::npos);
        CHECK(nghttp_statuses(n.out).size() == 1);
    }
    {
        INFO("HEAD of a PHP script: the head, no body");
        Request head = run.request("/cookies.php");
        head.method = "HEAD";
        Response h = client.perform(head);
        INFO(h.describe());
        CHECK(h.status == 200);
        CHECK(h.http_version == "HTTP/2");
        CHECK(h.body.empty());
        CHECK(h.headers_named("set-cookie").size() == 2);
    }
    {
        INFO("a missing file is a 404 over h2, a PHP error status too");
        Response r = client.perform(run.request("/missing.txt"));
        INFO(r.describe());
        CHECK(r.status == 404);
        CHECK(r.http_version == "HTTP/2");
        Response php = client.perform(run.request("/no-such-script.php"));
        INFO(php.describe());
        CHECK(php.status == 404);
        CHECK(php.http_version == "HTTP/2");
        // And the connection goes on.
        Response after = client.perform(run.request("/hello.php"));
        CHECK(after.status == 200);
        CHECK(after.new_connections == 0);
    }
    {
        INFO("encode: gzip and zstd over h2, a static file and a PHP response, decoded by libcurl");
        const std::string body = read_file(run.www / "text.txt");
        for (const std::string enc : {"gzip", "zstd"}) {
            CAPTURE(enc);
            for (const std::string path : {"/text.txt", "/text.php"}) {
                CAPTURE(path);
                Request req = run.request(path);
                req.accept_encoding = enc;
                Response r = client.perform(req);
                INFO(r.describe().substr(0, 600));
                CHECK(r.status == 200);
                CHECK(r.http_version == "HTTP/2");
                CHECK(r.header("content-encoding") == enc);
                CHECK(r.body.size() == body.size());
                CHECK((r.body == body));
                // A content-length, if any, is the encoded size: never the original one.
                CHECK(r.header("content-length") != std::to_string(body.size()));
            }
        }
        // The curl CLI with --compressed (it asks for every encoding it has, zstd among them).
        Curl c = curl({"--http2", "--compressed", "--cacert", run.root_cert(), "--resolve", run.resolve(),
                       "--dump-header", (run.dir / "head.txt").string(), run.url("/text.txt")});
        INFO(c.describe().substr(0, 3000));
        CHECK(c.status == 200);
        CHECK(c.version == "2");
        CHECK((c.body == body));
        CHECK(read_file(run.dir / "head.txt").find("content-encoding: ") != std::string::npos);
    }
    CHECK(run.pogo->stop() == 0);
}

TEST_CASE("h2: 103 Early Hints from headers_send(103) arrive before the 200") {
    H2Run run;
    run.write(run.globals() + run.https_site());
    run.start_https();

    Curl c = curl({"-v", "--http2", "--cacert", run.root_cert(), "--resolve", run.resolve(), run.url("/hints.php")});
    INFO(c.describe());
    CHECK(c.status == 200);
    CHECK(c.version == "2");
    CHECK(c.body == "after early hints");
    // curl -v prints each head it receives: "< HTTP/2 103", its fields, then "< HTTP/2 200".
    const std::string& v = c.run.err;
    size_t hints = v.find("< HTTP/2 103");
    size_t link = v.find("< link: </style.css>; rel=preload", hints == std::string::npos ? 0 : hints);
    size_t final_head = v.find("< HTTP/2 200");
    CHECK(hints != std::string::npos);
    CHECK(link != std::string::npos);
    CHECK(final_head != std::string::npos);
    CHECK(hints < link);
    CHECK(link < final_head);

    // libcurl sees the interim head too.
    HttpClient client;
    Response r = client.perform(run.request("/hints.php"));
    INFO(r.describe());
    CHECK(r.status == 200);
    REQUIRE(r.status_lines.size() == 2);
    CHECK(r.status_lines[0].starts_with("HTTP/2 103"));
    CHECK(r.status_lines[1].starts_with("HTTP/2 200"));
    CHECK(r.header("x-final") == "yes");

    // nghttp: a :status 103 HEADERS frame, then the 200, on one stream.
    CommandResult n = nghttp({"-v", "-n", run.url("/hints.php")});
    INFO(n.describe());
    CHECK(n.exit_code == 0);
    size_t s103 = n.out.find(":status: 103"), s200 = n.out.find(":status: 200");
    CHECK(s103 != std::string::npos);
    CHECK(s200 != std::string::npos);
    CHECK(s103 < s200);
    CHECK(run.pogo->stop() == 0);
}

TEST_CASE("h2 multiplexing: many streams on one connection (nghttp, libcurl), concurrent PHP streams, h2load without errors") {
    H2Run run;
    run.write(run.globals() + run.https_site());
    run.start_https();

    {
        INFO("nghttp -m 20: twenty streams of one script on one connection, all 200");
        CommandResult n = nghttp({"-v", "-n", "-m", "20", run.url("/hello.php")});
        INFO(n.describe());
        CHECK(n.exit_code == 0);
        auto statuses = nghttp_statuses(n.out);
        CHECK(statuses.size() == 20);
        for (auto [stream, status] : statuses) {
            CAPTURE(stream);
            CHECK(status == 200);
            CHECK(stream % 2 == 1);
        }
        CHECK(n.out.find("recv GOAWAY") == std::string::npos);
    }
    {
        INFO("nghttp, several URLs in one invocation (one connection): static, classic, worker, 5 MiB");
        CommandResult n = nghttp({"-v", "-n", run.url("/static.txt"), run.url("/hello.php"), run.url("/proto.php"),
                                  run.url("/worker.php"), run.url("/big.bin"), run.url("/stream.php?kb=512")});
        INFO(n.describe().substr(0, 8000));
        CHECK(n.exit_code == 0);
        auto statuses = nghttp_statuses(n.out);
        CHECK(statuses.size() == 6);
        for (auto [stream, status] : statuses) CHECK(status == 200);
    }
    {
        INFO("four PHP streams of one connection run at the same time: each waits until all four arrived");
        fs::path barrier = run.dir / "barrier";
        fs::create_directories(barrier);
        CommandResult n = nghttp({"-m", "4", run.url("/barrier.php?n=4&dir=" + url_encode(barrier.string()))});
        INFO(n.describe());
        CHECK(n.exit_code == 0);
        CHECK(count_of(n.out, "met\n") == 4);
        CHECK(count_of(n.out, "timeout") == 0);
    }
    {
        INFO("libcurl multiplexing: twelve requests, one connection, all HTTP/2");
        std::vector<Request> reqs;
        for (int i = 0; i < 12; ++i) reqs.push_back(run.request(i % 3 == 0   ? "/static.txt"
                                                                : i % 3 == 1 ? "/proto.php?i=" + std::to_string(i)
                                                                             : "/worker.php"));
        auto responses = perform_multiplexed(reqs);
        long connections = 0;
        for (size_t i = 0; i < responses.size(); ++i) {
            CAPTURE(i);
            INFO(responses[i].describe());
            CHECK(responses[i].status == 200);
            CHECK(responses[i].http_version == "HTTP/2");
            connections += responses[i].new_connections;
        }
        CHECK(connections == 1);
    }
    {
        INFO("h2load: 2000 requests, 4 clients, 10 streams each, to a PHP script: none failed");
        H2Load h = h2load({"-n", "2000", "-c", "4", "-m", "10", run.url("/hello.php")});
        check_h2load_clean(h, 2000, "h2");
    }
    {
        INFO("h2load: the same to a static file");
        H2Load h = h2load({"-n", "2000", "-c", "4", "-m", "10", run.url("/static.txt")});
        check_h2load_clean(h, 2000, "h2");
    }
    {
        INFO("h2load: the worker");
        H2Load h = h2load({"-n", "1000", "-c", "2", "-m", "10", run.url("/worker.php")});
        check_h2load_clean(h, 1000, "h2");
    }
    HttpClient client;
    Response r = client.perform(run.request("/proto.php"));
    CHECK(r.status == 200);
    CHECK(run.pogo->running());
    CHECK(run.pogo->stop() == 0);
}

TEST_CASE("h2 flow control both ways: 5 MiB uploads (also three at once), 5 MiB static and 4 MiB PHP downloads, slow readers, small windows") {
    H2Run run;
    run.write(run.globals() + run.https_site());
    run.start_https();
    const fs::path big = run.www / "big.bin";
    const std::string big_bytes = read_file(big);
    const std::string big_sha = sha256_hex(big);
    const std::string stream_bytes = stream_pattern(kStreamKb);
    const std::string stream_sha = sha256_of(stream_bytes, run.dir / "stream-expected.bin");

    auto check_upload = [&](const std::string& body) {
        json j = json::parse(body, nullptr, false);
        INFO(body);
        REQUIRE_FALSE(j.is_discarded());
        CHECK(j["length"] == kBigSize);
        CHECK(j["sha256"] == big_sha);
        CHECK(j["protocol"] == "HTTP/2.0");
    };

    {
        INFO("upload, curl CLI: 5 MiB request body, PHP reads it all");
        Curl c = curl({"--http2", "--cacert", run.root_cert(), "--resolve", run.resolve(), "-H",
                       "Content-Type: application/octet-stream", "--data-binary", "@" + big.string(),
                       run.url("/upload.php")});
        INFO(c.describe());
        CHECK(c.status == 200);
        CHECK(c.version == "2");
        check_upload(c.body);
    }
    {
        INFO("upload to a slow PHP reader (libcurl): the server holds the client back, nothing is lost");
        HttpClient client;
        Request req = run.request("/upload.php?slow=1");
        req.method = "POST";
        req.body = big_bytes;
        req.has_body = true;
        req.headers = {"Content-Type: application/octet-stream"};
        req.timeout = milliseconds(120000);
        Response r = client.perform(req);
        INFO(r.describe());
        CHECK(r.status == 200);
        CHECK(r.http_version == "HTTP/2");
        check_upload(r.body);
    }
    {
        INFO("upload from a slow writer (curl --limit-rate 2M)");
        Curl c = curl({"--http2", "--limit-rate", "2M", "--cacert", run.root_cert(), "--resolve", run.resolve(), "-H",
                       "Content-Type: application/octet-stream", "--data-binary", "@" + big.string(),
                       run.url("/upload.php")});
        INFO(c.describe());
        CHECK(c.status == 200);
        CHECK(c.version == "2");
        check_upload(c.body);
    }
    {
        INFO("three 5 MiB uploads at once on one connection (nghttp -d -m 3): more than the connection window");
        CommandResult n = nghttp({"-m", "3", "-d", big.string(), "-H", "content-type: application/octet-stream",
                                  run.url("/upload.php")});
        INFO(n.describe());
        CHECK(n.exit_code == 0);
        CHECK(count_of(n.out, big_sha) == 3);
        CHECK(count_of(n.out, "\"length\":" + std::to_string(kBigSize)) == 3);
    }
    {
        INFO("upload without content-length (nghttp --no-content-length): the body ends with END_STREAM");
        CommandResult n = nghttp({"--no-content-length", "-d", big.string(), "-H",
                                  "content-type: application/octet-stream", run.url("/upload.php")});
        INFO(n.describe());
        CHECK(n.exit_code == 0);
        CHECK(count_of(n.out, big_sha) == 1);
        CHECK(count_of(n.out, "\"length\":" + std::to_string(kBigSize)) == 1);
    }
    {
        INFO("upload with Expect: 100-continue (nghttp --expect-continue): a 100, if sent, comes before the 200");
        CommandResult n = nghttp({"-v", "--expect-continue", "-d", big.string(), "-H",
                                  "content-type: application/octet-stream", run.url("/upload.php")});
        INFO(n.describe().substr(0, 6000));
        CHECK(n.exit_code == 0);
        CHECK(count_of(n.out, big_sha) == 1);
        size_t s100 = n.out.find(":status: 100"), s200 = n.out.find(":status: 200");
        CHECK(s200 != std::string::npos);
        if (s100 != std::string::npos) CHECK(s100 < s200);
    }
    {
        INFO("download, curl CLI: the 5 MiB static file and the 4 MiB streamed PHP response, by hash");
        const fs::path got = run.dir / "got.bin";
        Curl c = curl({"--http2", "--cacert", run.root_cert(), "--resolve", run.resolve(), "--output", got.string(),
                       run.url("/big.bin")});
        INFO(c.describe());
        CHECK(c.status == 200);
        CHECK(c.version == "2");
        CHECK(sha256_hex(got) == big_sha);

        c = curl({"--http2", "--cacert", run.root_cert(), "--resolve", run.resolve(), "--output", got.string(),
                  run.url("/stream.php?kb=" + std::to_string(kStreamKb))});
        INFO(c.describe());
        CHECK(c.status == 200);
        CHECK(c.version == "2");
        CHECK(fs::file_size(got) == stream_bytes.size());
        CHECK(sha256_hex(got) == stream_sha);
    }
    {
        INFO("download to slow readers (curl --limit-rate 2M): static and PHP");
        const fs::path got = run.dir / "slow.bin";
        Curl c = curl({"--http2", "--limit-rate", "2M", "--cacert", run.root_cert(), "--resolve", run.resolve(),
                       "--output", got.string(), run.url("/big.bin")});
        INFO(c.describe());
        CHECK(c.status == 200);
        CHECK(c.version == "2");
        CHECK(sha256_hex(got) == big_sha);

        c = curl({"--http2", "--limit-rate", "2M", "--cacert", run.root_cert(), "--resolve", run.resolve(), "--output",
                  got.string(), run.url("/stream.php?kb=" + std::to_string(kStreamKb))});
        INFO(c.describe());
        CHECK(c.status == 200);
        CHECK(c.version == "2");
        CHECK(sha256_hex(got) == stream_sha);
    }
    {
        INFO("libcurl reading the PHP stream at 1 MiB/s");
        HttpClient client;
        Request req = run.request("/stream.php?kb=" + std::to_string(kStreamKb));
        req.max_recv_speed = 1024 * 1024;
        req.timeout = milliseconds(120000);
        Response r = client.perform(req);
        CHECK(r.status == 200);
        CHECK(r.http_version == "HTTP/2");
        CHECK(r.body.size() == stream_bytes.size());
        CHECK((r.body == stream_bytes));
    }
    {
        INFO("nghttp with a 16 KiB stream window and a 64 KiB connection window: the server waits for WINDOW_UPDATEs");
        CommandResult n = nghttp({"-w", "14", "-W", "16", run.url("/big.bin")});
        CHECK(n.exit_code == 0);
        CHECK(n.out.size() == big_bytes.size());
        CHECK((n.out == big_bytes));
        INFO(n.err);
        n = nghttp({"-w", "14", "-W", "16", run.url("/stream.php?kb=" + std::to_string(kStreamKb))});
        CHECK(n.exit_code == 0);
        CHECK(n.out.size() == stream_bytes.size());
        CHECK((n.out == stream_bytes));
    }
    {
        INFO("both at once on one connection: two downloads and an upload multiplexed");
        std::vector<Request> reqs = {run.request("/big.bin"), run.request("/stream.php?kb=" + std::to_string(kStreamKb)),
                                     run.request("/upload.php")};
        reqs[2].method = "POST";
        reqs[2].body = big_bytes;
        reqs[2].has_body = true;
        reqs[2].headers = {"Content-Type: application/octet-stream"};
        for (auto& r : reqs) r.timeout = milliseconds(120000);
        auto responses = perform_multiplexed(reqs, milliseconds(120000));
        long connections = 0;
        for (auto& r : responses) {
            CHECK(r.status == 200);
            CHECK(r.http_version == "HTTP/2");
            connections += r.new_connections;
        }
        CHECK(connections == 1);
        CHECK((responses[0].body == big_bytes));
        CHECK((responses[1].body == stream_bytes));
        check_upload(responses[2].body);
    }
    CHECK(run.pogo->running());
    CHECK(run.pogo->stop() == 0);
}

TEST_CASE("Pogo jobs over h2: dispatch and await, and fan-outs on streams of one connection") {
    H2Run run;
    namespace J = e2e::jobs;
    const std::string pools = "pogo {\n" + J::pool_block("default", 4, "10s") + J::pool_block("other", 2, "10s") + "}";
    run.write(run.globals({pools}) + "localhost {\n\troot * " + (J::app_dir() / "public").string() +
              "\n\tphp_server\n}\n");
    run.start_https();

    HttpClient client;
    Response r = client.perform(run.request("/echo.php?tag=over-h2"));
    INFO(r.describe());
    REQUIRE(r.status == 200);
    CHECK(r.http_version == "HTTP/2");
    json j = body_json(r);
    CHECK(j["await"]["ok"] == true);
    CHECK(j["await"]["value"]["args"]["tag"] == "over-h2");
    CHECK(j["await"]["value"]["pool"] == "default");

    // Six requests, eight jobs each, multiplexed on one connection: every job ran exactly once.
    const fs::path claims = run.dir / "claims";
    fs::create_directories(claims);
    std::vector<Request> reqs;
    for (int i = 0; i < 6; ++i)
        reqs.push_back(run.request("/fanout.php?r=" + std::to_string(i) + "&dir=" + url_encode(claims.string())));
    auto responses = perform_multiplexed(reqs);
    long connections = 0;
    for (size_t i = 0; i < responses.size(); ++i) {
        CAPTURE(i);
        INFO(responses[i].describe());
        REQUIRE(responses[i].status == 200);
        CHECK(responses[i].http_version == "HTTP/2");
        connections += responses[i].new_connections;
        json f = body_json(responses[i]);
        CHECK(f["r"] == static_cast<int>(i));
        CHECK(f["results"]["ok"] == true);
        CHECK(f["results"]["value"].size() == 8);
    }
    CHECK(connections == 1);
    size_t files = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(claims)) ++files;
    CHECK(files == 48);
    CHECK(run.pogo->stop() == 0);
}

TEST_CASE("h2c: with `servers { protocols h1 h2 h2c }` prior knowledge speaks HTTP/2 on a plaintext port, HTTP/1.1 too") {
    H2Run run;
    run.write(run.plain_caddyfile("h1 h2 h2c"));
    run.start_plain();

    Curl c = curl({"--http2-prior-knowledge", run.plain_url("/proto.php")});
    INFO(c.describe());
    CHECK(c.run.exit_code == 0);
    CHECK(c.status == 200);
    CHECK(c.version == "2");
    json p = json::parse(c.body, nullptr, false);
    REQUIRE_FALSE(p.is_discarded());
    CHECK(p["protocol"] == "HTTP/2.0");
    CHECK(p["https"] != "on");
    CHECK(p["scheme"] == "http");

    // The same port still speaks HTTP/1.1. An HTTP/1.1 request offering `Upgrade: h2c` (curl
    // --http2 on http:// sends that offer) is answered, in HTTP/1.1 (prior knowledge is all that is
    // required) or upgraded; either way PHP must see the protocol the answer came in.
    check_plain_still_serving(run, true);
    Curl up = curl({"--http2", run.plain_url("/proto.php")});
    INFO(up.describe());
    CHECK(up.status == 200);
    CHECK((up.version == "1.1" || up.version == "2"));
    CHECK(up.body.find(up.version == "2" ? "\"protocol\":\"HTTP/2.0\"" : "\"protocol\":\"HTTP/1.1\"") !=
          std::string::npos);

    // Several streams and a body over h2c.
    CommandResult n = nghttp({"-v", "-n", "-m", "10", run.plain_url("/hello.php")});
    INFO(n.describe());
    CHECK(n.exit_code == 0);
    CHECK(nghttp_statuses(n.out).size() == 10);
    const fs::path big = run.www / "big.bin";
    Curl u = curl({"--http2-prior-knowledge", "-H", "Content-Type: application/octet-stream", "--data-binary",
                   "@" + big.string(), run.plain_url("/upload.php")});
    INFO(u.describe());
    CHECK(u.status == 200);
    CHECK(u.body.find(sha256_hex(big)) != std::string::npos);

    H2Load h = h2load({"-n", "1000", "-c", "2", "-m", "10", run.plain_url("/hello.php")});
    check_h2load_clean(h, 1000, "h2c");
    CHECK(run.pogo->stop() == 0);
}

TEST_CASE("no h2c unless asked: prior knowledge fails on a plaintext port by default and with `protocols h1 h2`") {
    for (const std::string protocols : {"", "h1 h2"}) {
        CAPTURE(protocols);
        H2Run run;
        run.write(run.plain_caddyfile(protocols));
        run.start_plain();

        Curl c = curl({"--http2-prior-knowledge", run.plain_url("/proto.php")}, milliseconds(20000));
        INFO(c.describe());
        // Either the connection fails (curl reads no SETTINGS) or the server answers an error
        // in HTTP/1.1: never a 200 over HTTP/2.
        bool refused = c.run.exit_code != 0 || c.status >= 400 || c.version != "2";
        CHECK(refused);
        CHECK(c.body.find("HTTP/2.0") == std::string::npos);

        check_plain_still_serving(run, false);
        Curl h1 = curl({"--http1.1", run.plain_url("/proto.php")});
        INFO(h1.describe());
        CHECK(h1.status == 200);
        CHECK(h1.version == "1.1");
        CHECK(h1.body.find("\"protocol\":\"HTTP/1.1\"") != std::string::npos);
        CHECK(run.pogo->stop() == 0);
    }
}

TEST_CASE("HTTP/1.1 fallback: `tls { alpn http/1.1 }` on a site, and `servers { protocols h1 }`, keep curl --http2 on 1.1") {
    SUBCASE("tls { alpn http/1.1 }") {
        H2Run run;
        run.write(run.globals() + run.https_site("\ttls {\n\t\talpn http/1.1\n\t}\n"));
        run.start_https();
        SClient s = s_client(run.https_port, "localhost", run.root_cert(), {"-alpn", "h2,http/1.1"});
        INFO(s.describe());
        CHECK(s.handshake);
        CHECK(s.alpn == "http/1.1");

        Curl c = curl({"--http2", "--cacert", run.root_cert(), "--resolve", run.resolve(), run.url("/proto.php")});
        INFO(c.describe());
        CHECK(c.status == 200);
        CHECK(c.version == "1.1");
        CHECK(c.body.find("\"protocol\":\"HTTP/1.1\"") != std::string::npos);
        CHECK(c.body.find("\"https\":\"on\"") != std::string::npos);

        std::vector<Request> reqs(4, run.request("/proto.php"));
        for (auto& r : perform_multiplexed(reqs)) {
            INFO(r.describe());
            CHECK(r.status == 200);
            CHECK(r.http_version == "HTTP/1.1");
        }
        CHECK(run.pogo->stop() == 0);
    }
    SUBCASE("servers { protocols h1 }") {
        H2Run run;
        run.write(run.globals({"servers {\n\tprotocols h1\n}"}) + run.https_site());
        run.start_https();
        SClient s = s_client(run.https_port, "localhost", run.root_cert(), {"-alpn", "h2,http/1.1"});
        INFO(s.describe());
        CHECK(s.handshake);
        CHECK(s.alpn == "http/1.1");
        Curl c = curl({"--http2", "--cacert", run.root_cert(), "--resolve", run.resolve(), run.url("/proto.php")});
        INFO(c.describe());
        CHECK(c.status == 200);
        CHECK(c.version == "1.1");
        CHECK(c.body.find("\"protocol\":\"HTTP/1.1\"") != std::string::npos);
        CHECK(run.pogo->stop() == 0);
    }
}

TEST_CASE("graceful shutdown over h2: the in-flight stream completes, the client gets GOAWAY, new connections are refused") {
    H2Run run;
    run.write(run.globals({"grace_period 30s"}) + run.https_site());
    run.start_https();
    const std::string token = unique_token("h2-slow");
    const fs::path gate = run.dir / "gate";

    CommandResult n;
    std::thread client([&] {
        n = nghttp({"-v", run.url("/slow.php?token=" + token + "&gate=" + url_encode(gate.string()))},
                   milliseconds(60000));
    });
    bool started = run.pogo->wait_stderr("slow-start " + token);
    if (started) kill(run.pogo->pid(), SIGTERM);
    bool stopping = started && run.pogo->wait_stderr("shutting down");
    // The listeners close: a new connection is refused while the stream is still in flight.
    bool refused = stopping && poll_until([&] {
        RawConnection c(run.https_port);
        return !c.connected();
    });
    Curl late;
    if (refused)
        late = curl({"--http2", "--cacert", run.root_cert(), "--resolve", run.resolve(), run.url("/hello.php")},
                    milliseconds(10000));
    write_file(gate, "open");  // whatever happened, let the script finish
    client.join();
    auto code = run.pogo->wait_exit(milliseconds(60000));

    INFO(run.pogo->describe());
    INFO(n.describe());
    REQUIRE(started);
    CHECK(stopping);
    CHECK(refused);
    INFO(late.describe());
    CHECK(late.run.exit_code != 0);  // curl: "Failed to connect"
    CHECK(late.status == 0);

    CHECK(n.exit_code == 0);
    // nghttp opens its request on stream 13 (3 to 11 are its priority-tree placeholders).
    auto statuses = nghttp_statuses(n.out);
    REQUIRE(statuses.size() == 1);
    const int stream = statuses.begin()->first;
    CHECK(statuses.begin()->second == 200);
    CHECK(n.out.find("slow done gate=opened") != std::string::npos);
    // GOAWAY(NO_ERROR), sent when the shutdown began: before the response (nghttp's "recv
    // HEADERS frame" is the only HEADERS it receives), which the gate held back until after the
    // listeners had closed. nghttp prints it as "(last_stream_id=1, error_code=NO_ERROR(0x00), ...".
    size_t goaway = n.out.find("recv GOAWAY");
    CHECK(goaway != std::string::npos);
    CHECK(n.out.find("error_code=NO_ERROR") != std::string::npos);
    // The GOAWAY names the in-flight stream as the last one the server will process.
    CHECK(n.out.find("recv GOAWAY frame <length=8, flags=0x00, stream_id=0>\n          (last_stream_id=" +
                     std::to_string(stream) + ",") != std::string::npos);
    CHECK(goaway < n.out.find("recv HEADERS frame"));
    CHECK(code == std::optional<int>(0));
}

TEST_CASE("rapid reset (CVE-2023-44487) over h2c: 2000 HEADERS+RST_STREAM pairs end in GOAWAY ENHANCE_YOUR_CALM; others are served") {
    H2Run run;
    run.write(run.plain_caddyfile("h1 h2 h2c"));
    run.start_plain();
    const std::string authority = "127.0.0.1:" + std::to_string(run.http_port);

    {
        INFO("a few resets are fine: 20 cancelled streams, then a request on the same connection is answered");
        RawConnection c(run.http_port);
        REQUIRE(c.connected());
        std::string out = std::string(kPreface) + frame(kSettings, 0, 0, "");
        for (uint32_t i = 0; i < 20; ++i) {
            uint32_t id = 2 * i + 1;
            out += frame(kHeaders, kEndStream | kEndHeaders, id, request_block(authority, "/static.txt"));
            out += frame(kRstStream, 0, id, u32(kCancel));
        }
        out += frame(kHeaders, kEndStream | kEndHeaders, 41, request_block(authority, "/static.txt"));
        CHECK(c.send(out));
        const std::string body = read_file(run.www / "static.txt");
        bool answered = poll_until([&] {
            c.read_until_closed(milliseconds(50));  // reads what arrived meanwhile
            for (const auto& f : parse_frames(c.received()))
                if (f.type == kData && f.stream == 41 && (f.flags & kEndStream)) return true;
            return c.peer_closed();
        });
        auto frames = parse_frames(c.received());
        INFO(describe_frames(frames, c.received().size()));
        CHECK(answered);
        CHECK_FALSE(find_goaway(frames).seen);
        std::string data41;
        for (const auto& f : frames)
            if (f.type == kData && f.stream == 41) data41 += f.payload;
        CHECK(data41 == body);
    }
    {
        INFO("2000 pairs: GOAWAY with ENHANCE_YOUR_CALM, then the connection is closed");
        RawConnection c(run.http_port);
        REQUIRE(c.connected());
        std::string out = std::string(kPreface) + frame(kSettings, 0, 0, "");
        for (uint32_t i = 0; i < 2000; ++i) {
            uint32_t id = 2 * i + 1;
            out += frame(kHeaders, kEndStream | kEndHeaders, id, request_block(authority, "/static.txt"));
            out += frame(kRstStream, 0, id, u32(kCancel));
        }
        c.send(out);  // false when the server closes before it has read everything: expected
        CHECK(c.read_until_closed());
        auto frames = parse_frames(c.received());
        INFO(describe_frames(frames, c.received().size()));
        Goaway g = find_goaway(frames);
        CHECK(g.seen);
        CHECK(g.error == kEnhanceYourCalm);
        CHECK(g.last_stream < 2 * 2000 + 1);
    }
    check_plain_still_serving(run, true);

    {
        INFO("four flooding connections at once, while a regular client is served");
        std::vector<std::thread> floods;
        std::vector<std::string> received(4);
        for (int k = 0; k < 4; ++k) {
            floods.emplace_back([&, k] {
                RawConnection c(run.http_port);
                if (!c.connected()) return;
                std::string out = std::string(kPreface) + frame(kSettings, 0, 0, "");
                for (uint32_t i = 0; i < 2000; ++i) {
                    uint32_t id = 2 * i + 1;
                    out += frame(kHeaders, kEndStream | kEndHeaders, id, request_block(authority, "/hello.php"));
                    out += frame(kRstStream, 0, id, u32(kCancel));
                }
                c.send(out);
                c.read_until_closed();
                received[k] = c.received();
            });
        }
        HttpClient regular;
        Response r = regular.perform(run.plain_request("/hello.php", true));
        for (auto& t : floods) t.join();
        INFO(r.describe());
        CHECK(r.status == 200);
        CHECK(r.body == "Hello, World!");
        for (int k = 0; k < 4; ++k) {
            CAPTURE(k);
            auto frames = parse_frames(received[k]);
            INFO(describe_frames(frames, received[k].size()));
            CHECK(find_goaway(frames).error == kEnhanceYourCalm);
        }
    }
    check_plain_still_serving(run, true);
    INFO(run.pogo->describe());
    CHECK(run.pogo->running());
    CHECK(run.pogo->stop() == 0);
}

TEST_CASE("malformed HTTP/2 after the preface: GOAWAY with the error, that connection closed, the server serves on") {
    H2Run run;
    run.write(run.plain_caddyfile("h1 h2 h2c"));
    run.start_plain();
    const std::string authority = "127.0.0.1:" + std::to_string(run.http_port);

    struct Case {
        std::string name;
        std::string bytes;  // after the preface
        uint32_t error;
    };
    std::string garbage = random_bytes(4096, 4242);
    garbage[3] = '\0';  // the first "frame" is no SETTINGS frame (its type byte)
    const std::vector<Case> cases = {
        {"random bytes where the client's SETTINGS must be", garbage, kProtocolError},
        {"DATA on stream 0", frame(kSettings, 0, 0, "") + frame(kData, 0, 0, "not on stream zero"), kProtocolError},
        {"a SETTINGS frame whose length is not a multiple of 6",
         frame(kSettings, 0, 0, "") + frame(kSettings, 0, 0, std::string(5, '\0')), 0x6 /* FRAME_SIZE_ERROR */},
        {"HEADERS on an even (server-initiated) stream id",
         frame(kSettings, 0, 0, "") + frame(kHeaders, kEndStream | kEndHeaders, 2, request_block(authority, "/")),
         kProtocolError},
        {"an HPACK block indexing entry 0",
         frame(kSettings, 0, 0, "") + frame(kHeaders, kEndStream | kEndHeaders, 1, std::string("\x80", 1)),
         kCompressionError},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        RawConnection conn(run.http_port);
        REQUIRE(conn.connected());
        conn.send(std::string(kPreface) + c.bytes);
        CHECK(conn.read_until_closed());
        auto frames = parse_frames(conn.received());
        INFO(describe_frames(frames, conn.received().size()));
        Goaway g = find_goaway(frames);
        CHECK(g.seen);
        CHECK(g.error == c.error);
        check_plain_still_serving(run, true);
    }

    {
        INFO("the same garbage over TLS after ALPN h2 (openssl s_client), on an HTTPS site");
        H2Run tls;
        tls.write(tls.globals() + tls.https_site());
        tls.start_https();
        CommandResult s = run_command({require_tool("openssl"), "s_client", "-connect",
                                       "127.0.0.1:" + std::to_string(tls.https_port), "-servername", "localhost",
                                       "-alpn", "h2", "-quiet"},
                                      {.input = std::string(kPreface) + garbage});
        // -quiet: stdout is the application data, the server's frames.
        auto frames = parse_frames(s.out);
        INFO(s.describe().substr(0, 3000));
        INFO(describe_frames(frames, s.out.size()));
        CHECK_FALSE(s.timed_out);
        Goaway g = find_goaway(frames);
        CHECK(g.seen);
        CHECK(g.error == kProtocolError);
        HttpClient client;
        Response r = client.perform(tls.request("/proto.php"));
        INFO(r.describe());
        CHECK(r.status == 200);
        CHECK(r.http_version == "HTTP/2");
        CHECK(tls.pogo->stop() == 0);
    }
    CHECK(run.pogo->running());
    CHECK(run.pogo->stop() == 0);
}

TEST_CASE("request bodies nobody reads (a PHP script, the worker, static, 404) give their flow-control windows back") {
    H2Run run;
    run.write(run.globals() + run.https_site());
    run.start_https();
    // 5 MiB each, more than the connection's window (4 MiB) in all: if unread bodies kept their
    // windows, the connection would stall and the later requests would time out.
    const std::string body = random_bytes(5 * 1024 * 1024, 99);
    HttpClient client;
    int i = 0;
    // Eight of them: 40 MiB, ten connection windows, on one connection.
    for (const std::string path : {"/hello.php", "/worker.php", "/hello.php", "/worker.php", "/hello.php",
                                   "/worker.php", "/hello.php", "/worker.php"}) {
        CAPTURE(path);
        CAPTURE(i);
        Request req = run.request(path);
        req.method = "POST";
        req.body = body;
        req.has_body = true;
        req.headers = {"Content-Type: application/octet-stream"};
        req.timeout = milliseconds(60000);
        Response r = client.perform(req);
        INFO(r.describe());
        CHECK(r.status == 200);
        CHECK(r.http_version == "HTTP/2");
        if (i++ > 0) CHECK(r.new_connections == 0);
        if (path == "/hello.php") CHECK(r.body == "Hello, World!");
    }
    // Then a body that is read, all of it, on the same connection: the windows are all there.
    Request up = run.request("/upload.php");
    up.method = "POST";
    up.body = body;
    up.has_body = true;
    up.headers = {"Content-Type: application/octet-stream"};
    up.timeout = milliseconds(60000);
    Response after = client.perform(up);
    INFO(after.describe());
    CHECK(after.status == 200);
    CHECK(after.new_connections == 0);
    CHECK(after.body.find("\"length\":" + std::to_string(body.size())) != std::string::npos);

    // Static files and 404s answer before the body has arrived and may end the stream with
    // RST_STREAM(NO_ERROR) (RFC 9113 8.1, as Go's server does). nghttp takes that as the clean end
    // it is (Debian's curl 7.88 reports error 92 instead, so it is not the client here); every
    // stream of the connection is answered, the PHP ones after the others' bodies.
    const fs::path file = run.dir / "body.bin";
    write_file(file, body);
    CommandResult n = nghttp({"-v", "-n", "-d", file.string(), run.url("/static.txt"), run.url("/missing.txt"),
                              run.url("/hello.php"), run.url("/worker.php")});
    INFO(n.describe().substr(0, 6000));
    CHECK(n.exit_code == 0);
    auto statuses = nghttp_statuses(n.out);
    REQUIRE(statuses.size() == 4);
    std::multiset<int> codes;
    for (auto [stream, status] : statuses) codes.insert(status);
    CHECK(codes == std::multiset<int>{200, 200, 404, 405});
    CHECK(n.out.find("recv GOAWAY") == std::string::npos);
    for (size_t at = n.out.find("recv RST_STREAM"); at != std::string::npos; at = n.out.find("recv RST_STREAM", at + 1))
        CHECK(n.out.substr(at, 120).find("error_code=NO_ERROR") != std::string::npos);
    CHECK(run.pogo->stop() == 0);
}

TEST_CASE("a stalled stream (window 0) blocks neither its connection's other streams nor, once reset, its PHP thread") {
    H2Run run;
    run.write(run.plain_caddyfile("h1 h2 h2c"));
    run.start_plain();
    const std::string authority = "127.0.0.1:" + std::to_string(run.http_port);
    const std::string token = unique_token("stalled");

    RawConnection c(run.http_port);
    REQUIRE(c.connected());
    // Every stream starts with a window of 0: nothing is sent until the client opens it.
    CHECK(c.send(std::string(kPreface) + frame(kSettings, 0, 0, setting(kSettingsInitialWindowSize, 0)) +
                 frame(kHeaders, kEndStream | kEndHeaders, 1, request_block(authority, "/endless.php?token=" + token))));
    REQUIRE_MESSAGE(run.pogo->wait_stderr("endless-start " + token), run.pogo->describe());

    // Stream 3, opened for 64 KiB, is served while stream 1 is stuck (and its PHP script blocked).
    CHECK(c.send(frame(kHeaders, kEndStream | kEndHeaders, 3, request_block(authority, "/static.txt")) +
                 frame(kWindowUpdate, 0, 3, u32(65535))));
    CHECK(read_until_stream_end(c, 3));
    {
        auto frames = parse_frames(c.received());
        INFO(describe_frames(frames, c.received().size()));
        CHECK(stream_data(frames, 3).body == read_file(run.www / "static.txt"));
        CHECK(stream_data(frames, 1).body.empty());  // not a byte past the client's window
        CHECK_FALSE(find_goaway(frames).seen);
    }
    // Resetting stream 1 ends its script (the client went away: connection_aborted() is 1).
    CHECK(c.send(frame(kRstStream, 0, 1, u32(kCancel))));
    CHECK(run.pogo->wait_stderr("endless-end " + token + " aborted=1"));
    // The connection goes on: stream 5, a PHP script this time.
    CHECK(c.send(frame(kHeaders, kEndStream | kEndHeaders, 5, request_block(authority, "/hello.php")) +
                 frame(kWindowUpdate, 0, 5, u32(65535))));
    CHECK(read_until_stream_end(c, 5));
    {
        auto frames = parse_frames(c.received());
        INFO(describe_frames(frames, c.received().size()));
        CHECK(stream_data(frames, 5).body == "Hello, World!");
        CHECK_FALSE(find_goaway(frames).seen);
    }

    // A head past one frame: HEADERS without END_HEADERS, then CONTINUATION with it.
    CHECK(c.send(frame(kHeaders, kEndStream | kEndHeaders, 7, request_block(authority, "/many_headers.php?n=40")) +
                 frame(kWindowUpdate, 0, 7, u32(65535))));
    CHECK(read_until_stream_end(c, 7));
    {
        auto frames = parse_frames(c.received());
        INFO(describe_frames(frames, c.received().size()));
        std::vector<const Frame*> head;
        for (const auto& f : frames)
            if (f.stream == 7 && (f.type == kHeaders || f.type == 9 /* CONTINUATION */)) head.push_back(&f);
        REQUIRE(head.size() >= 2);
        CHECK(head.front()->type == kHeaders);
        CHECK((head.front()->flags & kEndHeaders) == 0);
        CHECK(head.back()->type == 9);
        CHECK((head.back()->flags & kEndHeaders) != 0);
        CHECK(stream_data(frames, 7).body == "many headers");
    }

    // A client that closes its connection with a stalled stream in flight: the script ends too.
    const std::string token2 = unique_token("vanished");
    {
        RawConnection gone(run.http_port);
        REQUIRE(gone.connected());
        CHECK(gone.send(std::string(kPreface) + frame(kSettings, 0, 0, setting(kSettingsInitialWindowSize, 0)) +
                        frame(kHeaders, kEndStream | kEndHeaders, 1,
                              request_block(authority, "/endless.php?token=" + token2))));
        REQUIRE_MESSAGE(run.pogo->wait_stderr("endless-start " + token2), run.pogo->describe());
    }  // closed here
    CHECK(run.pogo->wait_stderr("endless-end " + token2 + " aborted=1"));
    check_plain_still_serving(run, true);
    INFO(run.pogo->describe());
    CHECK(run.pogo->stop() == 0);
}

TEST_CASE("over h2 as over HTTP/1.1: no path escapes the root, PHP source is never served") {
    // tests/fixtures copied, app/ the root, secret.txt and outside/ beside it, symlinks out of it.
    TempDir tree;
    fs::copy(fixtures_dir(), tree.path(), fs::copy_options::recursive);
    const fs::path root = tree / "app";
    fs::create_symlink("../secret.txt", root / "link-secret.txt");
    fs::create_symlink("../outside/outside.php", root / "link-outside.php");
    fs::create_symlink("../outside", root / "linkdir");
    H2Run run;
    run.write("{\n\tadmin off\n\tauto_https off\n\tservers {\n\t\tprotocols h1 h2 h2c\n\t}\n}\nhttp://127.0.0.1:" +
              std::to_string(run.http_port) + " {\n\troot * " + root.string() + "\n\tphp_server\n}\n");
    run.start_plain();

    const char* targets[] = {
        "/../secret.txt",          "/../../secret.txt",         "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",      "/.%2e/secret.txt",          "/..%2fsecret.txt",
        "/%2e%2e%2fsecret.txt",    "/a/../../secret.txt",       "/./../secret.txt",
        "/static.txt/../../secret.txt", "/docs/..%2f..%2fsecret.txt", "//../secret.txt",
        "/..\\secret.txt",         "/..%5csecret.txt",          "/%252e%252e/secret.txt",
        "/../secret.txt%00",       "/%00/../secret.txt",        "/../outside/outside.php",
        "/%2e%2e/outside/outside.php", "/hello.php/../../outside/outside.php", "/link-secret.txt",
        "/linkdir/secret.txt",     "/linkdir/outside.php",      "/link-outside.php",
        // PHP source
        "/hello.php/",             "/hello.php.",               "/hello.php%20",
        "/hello%2ephp",            "/HELLO.PHP",                "/hello.php::$DATA",
        "/hello.php%00",           "/hello.php~",               "/sub/../hello.php",
        "/server.php",
    };
    for (const std::string target : targets) {
        CAPTURE(target);
        // A connection each: Debian's curl 7.88.1 cannot reuse an h2c prior-knowledge connection
        // (its second request fails with "Error in the HTTP2 framing layer" against nginx too);
        // the raw frames below put every path on one connection.
        HttpClient client;
        Request req = run.plain_request(target, true);
        Response r = client.perform(req);
        INFO(r.describe());
        CHECK(r.status >= 200);
        CHECK(r.status < 500);
        CHECK(r.http_version == "HTTP/2");
        CHECK(r.body.find("POGO-SECRET") == std::string::npos);
        CHECK(r.body.find("POGO-OUTSIDE-EXECUTED") == std::string::npos);
        CHECK(r.body.find("SOURCE-MARKER") == std::string::npos);
        CHECK(r.body.find("<?php") == std::string::npos);
    }
    // The same :path values in raw frames (no client in between), all on one connection: every
    // stream is answered or reset, nothing leaks, the connection lives on.
    const std::string authority = "127.0.0.1:" + std::to_string(run.http_port);
    RawConnection c(run.http_port);
    REQUIRE(c.connected());
    std::string out = std::string(kPreface) + frame(kSettings, 0, 0, "");
    uint32_t id = 1;
    for (const char* target : targets) {
        out += frame(kHeaders, kEndStream | kEndHeaders, id, request_block(authority, target));
        id += 2;
    }
    out += frame(kHeaders, kEndStream | kEndHeaders, id, request_block(authority, "/hello.php"));
    CHECK(c.send(out));
    CHECK(read_until_stream_end(c, id));
    auto frames = parse_frames(c.received());
    INFO(describe_frames(frames, c.received().size()));
    CHECK_FALSE(find_goaway(frames).seen);
    CHECK(stream_data(frames, id).body == "Hello, World!");
    for (uint32_t s = 1; s < id; s += 2) {
        CAPTURE(s);
        StreamData d = stream_data(frames, s);
        bool reset = std::any_of(frames.begin(), frames.end(),
                                 [&](const Frame& f) { return f.type == kRstStream && f.stream == s; });
        CHECK((d.ended || reset));
        CHECK(d.body.find("POGO-SECRET") == std::string::npos);
        CHECK(d.body.find("POGO-OUTSIDE-EXECUTED") == std::string::npos);
        CHECK(d.body.find("SOURCE-MARKER") == std::string::npos);
    }
    CHECK(run.pogo->stop() == 0);
}

TEST_CASE("h2 connections that go quiet are closed: idle after a request, silent after the preface, half a frame") {
    H2Run run;
    std::string caddyfile = run.plain_caddyfile("h1 h2 h2c");
    // Short timeouts, so that the closes come soon; the test only waits for them (20 s deadline).
    caddyfile.replace(caddyfile.find("\tservers {\n"), std::string("\tservers {\n").size(),
                      "\tservers {\n\t\ttimeouts {\n\t\t\tidle 1s\n\t\t\tread_header 1s\n\t\t}\n");
    run.write(caddyfile);
    run.start_plain();
    const std::string authority = "127.0.0.1:" + std::to_string(run.http_port);

    struct Case {
        std::string name, bytes;
    };
    const std::vector<Case> cases = {
        {"a request answered, then nothing", std::string(kPreface) + frame(kSettings, 0, 0, "") +
                                                 frame(kHeaders, kEndStream | kEndHeaders, 1,
                                                       request_block(authority, "/static.txt"))},
        {"the preface and SETTINGS, then nothing", std::string(kPreface) + frame(kSettings, 0, 0, "")},
        {"the preface alone", std::string(kPreface)},
        {"half a HEADERS frame", std::string(kPreface) + frame(kSettings, 0, 0, "") +
                                     frame(kHeaders, kEndStream | kEndHeaders, 1,
                                           request_block(authority, "/static.txt"))
                                         .substr(0, 20)},
    };
    for (const auto& k : cases) {
        CAPTURE(k.name);
        RawConnection c(run.http_port);
        REQUIRE(c.connected());
        CHECK(c.send(k.bytes));
        CHECK(c.read_until_closed());
        auto frames = parse_frames(c.received());
        INFO(describe_frames(frames, c.received().size()));
        Goaway g = find_goaway(frames);
        if (g.seen) CHECK(((g.error == kNoError) || (k.name == "half a HEADERS frame")));
        if (k.name == "a request answered, then nothing")
            CHECK(stream_data(frames, 1).body == read_file(run.www / "static.txt"));
    }
    check_plain_still_serving(run, true);
    CHECK(run.pogo->stop() == 0);
}
