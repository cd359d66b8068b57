// reverse_proxy through `pogo run`, against real upstreams the test starts on loopback (a small
// Node HTTP server, tests/fixtures/proxy/upstream.js): the request and response heads as Caddy
// forwards them (X-Forwarded-*, Host, hop-by-hop fields, header_up / header_down, trusted
// proxies), the keep-alive pool, chunked and Content-Length bodies both ways, HEAD, an unreachable
// upstream (502 and a log line), a slow one (504 after response_header_timeout), a large
// upload and download streamed with the server's memory staying flat, and a WebSocket echo
// through the tunnel a 101 opens.
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <set>

#include "tests/e2e/command.h"
#include "tests/e2e/common.h"
#include "tests/e2e/raw_client.h"

using namespace e2e;
namespace fs = std::filesystem;

namespace {

// `node upstream.js` as a child: started, its port read from its first line, killed at the end.
class NodeUpstream {
public:
    // `tls`: a certificate and key (PEM files) to serve HTTPS with.
    explicit NodeUpstream(std::string name = "upstream", int health_status = 200,
                          std::pair<std::string, std::string> tls = {}) {
        std::string node = require_tool("node");
        int out[2];
        REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
        std::string script = (fixtures_dir() / "proxy/upstream.js").string();
        std::string env = "UPSTREAM_NAME=" + name;
        std::string health = "HEALTH_STATUS=" + std::to_string(health_status);
        std::string cert = "TLS_CERT=" + tls.first, key = "TLS_KEY=" + tls.second;
        pid_ = ::fork();
        REQUIRE(pid_ >= 0);
        if (pid_ == 0) {
            ::dup2(out[1], 1);
            ::putenv(env.data());
            ::putenv(health.data());
            if (!tls.first.empty()) {
                ::putenv(cert.data());
                ::putenv(key.data());
            }
            ::execl(node.c_str(), node.c_str(), script.c_str(), static_cast<char*>(nullptr));
            ::_exit(127);
        }
        ::close(out[1]);
        fd_ = out[0];
        std::string got;
        auto deadline = Clock::now() + kDeadline;
        while (got.find('\n') == std::string::npos && Clock::now() < deadline) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 100) <= 0) continue;
            char buf[256];
            ssize_t n = ::read(fd_, buf, sizeof buf);
            if (n <= 0) break;
            got.append(buf, size_t(n));
        }
        INFO("node upstream said: " << got);
        REQUIRE(got.starts_with("listening "));
        port_ = std::stoi(got.substr(10));
    }
    ~NodeUpstream() { kill(); }
    NodeUpstream(const NodeUpstream&) = delete;
    NodeUpstream& operator=(const NodeUpstream&) = delete;

    int port() const { return port_; }
    std::string hostport() const { return "127.0.0.1:" + std::to_string(port_); }
    void kill() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
            pid_ = -1;
        }
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

private:
    pid_t pid_ = -1;
    int fd_ = -1;
    int port_ = 0;
};

std::unique_ptr<PogoProcess> start_pogo(const TempDir& dir, const std::string& site, const std::string& global = "") {
    write_file(dir / "Caddyfile", "{\n\tadmin off\n\tauto_https off\n" + global + "}\n:{$PORT} {\n" + site + "}\n");
    auto pogo = std::make_unique<PogoProcess>(std::vector<std::string>{"run", "--config", (dir / "Caddyfile").string()},
                                              std::vector<std::string>{"PORT=" + std::to_string(free_port())});
    REQUIRE_MESSAGE(pogo->wait_listening(), pogo->describe());
    return pogo;
}

// The server over IPv4 loopback: the peer address the upstream hears of is then 127.0.0.1.
std::string v4(const PogoProcess& p, const std::string& path) {
    return "http://127.0.0.1:" + std::to_string(p.port()) + path;
}

// A process's peak resident memory (VmHWM), in KiB.
long peak_rss_kib(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
    return 0;
}

// One WebSocket frame as a client sends it (masked, RFC 6455 section 5.2).
std::string ws_frame(int opcode, std::string_view payload) {
    std::string f(1, char(0x80 | opcode));
    const uint64_t n = payload.size();
    if (n < 126) {
        f += char(0x80 | n);
    } else if (n < 65536) {
        f += char(0x80 | 126);
        f += char(n >> 8);
        f += char(n & 0xff);
    } else {
        f += char(0x80 | 127);
        for (int i = 7; i >= 0; --i) f += char((n >> (8 * i)) & 0xff);
    }
    const char mask[4] = {0x12, 0x34, 0x56, 0x78};
    f.append(mask, 4);
    for (size_t i = 0; i < n; ++i) f += char(payload[i] ^ mask[i % 4]);
    return f;
}

// The (unmasked) frames a server sent, from the first byte after its head: opcode and payload.
std::vector<std::pair<int, std::string>> ws_messages(std::string_view bytes) {
    std::vector<std::pair<int, std::string>> out;
    while (bytes.size() >= 2) {
        const int opcode = bytes[0] & 0x0f;
        uint64_t n = uint8_t(bytes[1]) & 0x7f;
        size_t at = 2;
        if (n == 126) {
            if (bytes.size() < 4) break;
            n = (uint64_t(uint8_t(bytes[2])) << 8) | uint8_t(bytes[3]);
            at = 4;
        } else if (n == 127) {
            if (bytes.size() < 10) break;
            n = 0;
            for (size_t i = 2; i < 10; ++i) n = (n << 8) | uint8_t(bytes[i]);
            at = 10;
        }
        if (bytes.size() < at + n) break;
        out.emplace_back(opcode, std::string(bytes.substr(at, size_t(n))));
        bytes.remove_prefix(at + size_t(n));
    }
    return out;
}

const std::string kWsHandshake =
    "GET /ws HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

}  // namespace

TEST_CASE("reverse_proxy forwards the request as Caddy does: X-Forwarded-*, Host, no hop-by-hop fields") {
    NodeUpstream up;
    TempDir dir;
    auto pogo = start_pogo(dir, "\thandle_path /as-put/* {\n\t\tmethod put\n\t\treverse_proxy " + up.hostport() +
                                    "\n\t}\n\treverse_proxy " + up.hostport() + "\n");
    HttpClient client;
    // `method` changes what goes upstream.
    Response put = client.get(pogo->url("/as-put/echo"));
    INFO(put.describe());
    CHECK(body_json(put)["method"] == "PUT");
    Response r = client.get(v4(*pogo, "/echo?x=1&y=%2F"),
                            {"X-Forwarded-For: 6.6.6.6", "X-Forwarded-Proto: https", "X-Forwarded-Host: evil.example",
                             "Connection: X-Hop", "X-Hop: 1", "Proxy-Authorization: Basic eA==", "X-App: kept",
                             "TE: trailers"});
    INFO(r.describe());
    REQUIRE(r.status == 200);
    json j = body_json(r);
    CHECK(j["method"] == "GET");
    CHECK(j["url"] == "/echo?x=1&y=%2F");  // the target as the client wrote it
    const std::string host = "127.0.0.1:" + std::to_string(pogo->port());
    CHECK(j["headers"]["host"] == host);  // the client's Host, unchanged
    // The client is not a trusted proxy: what it claimed is replaced.
    CHECK(j["headers"]["x-forwarded-for"] == "127.0.0.1");
    CHECK(j["headers"]["x-forwarded-proto"] == "http");
    CHECK(j["headers"]["x-forwarded-host"] == host);
    CHECK(j["headers"]["x-app"] == "kept");
    CHECK(j["headers"]["te"] == "trailers");
    CHECK_FALSE(j["headers"].contains("x-hop"));
    CHECK_FALSE(j["headers"].contains("proxy-authorization"));

    // The response's hop-by-hop fields (and those its Connection names) stay with the upstream.
    Response hop = client.get(pogo->url("/hop"));
    INFO(hop.describe());
    CHECK(hop.status == 200);
    CHECK(hop.body == "hop");
    CHECK(hop.header("X-Kept") == "yes");
    CHECK_FALSE(hop.has_header("X-Private"));
    CHECK_FALSE(hop.has_header("Keep-Alive"));

    // An upstream's own status and body pass as they are.
    Response missing = client.get(pogo->url("/status?code=418"));
    CHECK(missing.status == 418);
    CHECK(missing.body == "status 418");
    CHECK(missing.header("X-Upstream") == "upstream");
}

TEST_CASE("reverse_proxy: trusted proxies keep their X-Forwarded-* values; header_up and header_down") {
    NodeUpstream up;
    TempDir dir;
    auto pogo = start_pogo(dir,
                           "\thandle /trusted/* {\n\t\turi strip_prefix /trusted\n\t\treverse_proxy {\n\t\t\tto " +
                               up.hostport() +
                               "\n\t\t\ttrusted_proxies private_ranges\n\t\t}\n\t}\n"
                               "\thandle {\n\t\treverse_proxy " + up.hostport() + " {\n"
                               "\t\t\theader_up Host {upstream_hostport}\n"
                               "\t\t\theader_up X-Path {path}\n"
                               "\t\t\theader_up -X-Drop\n"
                               "\t\t\theader_up X-Version ^v([0-9]+)$ version-$1\n"
                               "\t\t\theader_down -X-Upstream\n"
                               "\t\t\theader_down X-Via pogo\n"
                               "\t\t}\n\t}\n");
    HttpClient client;
    Response t = client.get(v4(*pogo, "/trusted/echo"),
                            {"X-Forwarded-For: 6.6.6.6", "X-Forwarded-Proto: https", "X-Forwarded-Host: app.example"});
    INFO(t.describe());
    REQUIRE(t.status == 200);
    json tj = body_json(t);
    CHECK(tj["url"] == "/echo");  // rewritten by uri strip_prefix
    CHECK(tj["headers"]["x-forwarded-for"] == "6.6.6.6, 127.0.0.1");
    CHECK(tj["headers"]["x-forwarded-proto"] == "https");
    CHECK(tj["headers"]["x-forwarded-host"] == "app.example");

    Response h = client.get(pogo->url("/echo"), {"X-Drop: 1", "X-Version: v7"});
    INFO(h.describe());
    REQUIRE(h.status == 200);
    json hj = body_json(h);
    CHECK(hj["headers"]["host"] == up.hostport());
    CHECK(hj["headers"]["x-path"] == "/echo");
    CHECK(hj["headers"]["x-version"] == "version-7");
    CHECK_FALSE(hj["headers"].contains("x-drop"));
    CHECK(h.header("X-Via") == "pogo");

    Response s = client.get(pogo->url("/status?code=201"));
    CHECK(s.status == 201);
    CHECK_FALSE(s.has_header("X-Upstream"));
    CHECK(s.header("X-Via") == "pogo");
}

TEST_CASE("reverse_proxy keeps upstream connections alive, unless keepalive is off") {
    NodeUpstream up;
    TempDir dir;
    auto pogo = start_pogo(dir, "\thandle_path /pooled/* {\n\t\treverse_proxy " + up.hostport() +
                                    "\n\t}\n"
                                    "\thandle {\n\t\treverse_proxy " + up.hostport() +
                                    " {\n\t\t\ttransport http {\n\t\t\t\tkeepalive off\n\t\t\t}\n\t\t}\n\t}\n");
    HttpClient client;  // one client connection: one loop, one pool
    std::set<long> pooled, fresh;
    for (int i = 0; i < 4; ++i) {
        Response a = client.get(pogo->url("/pooled/echo"));
        INFO(a.describe());
        REQUIRE(a.status == 200);
        pooled.insert(body_json(a)["port"].get<long>());
        // HEAD: a Content-Length and no body, and the pooled connection stays usable after it.
        Response h = client.head(pogo->url("/pooled/download?bytes=10&cl=1"));
        CHECK(h.status == 200);
        CHECK(h.header("Content-Length") == "10");
        CHECK(h.body.empty());
        Response b = client.get(pogo->url("/echo"));
        REQUIRE(b.status == 200);
        fresh.insert(body_json(b)["port"].get<long>());
    }
    CHECK(pooled.size() == 1);
    CHECK(fresh.size() == 4);

    // Responses on one pooled connection with more, then fewer, then more fields, long values then
    // short: each arrives with exactly its own fields (the connection reuses the last head's
    // strings for the next one's).
    const std::string long_value(300, 'v');
    for (auto [n, v] : std::vector<std::pair<int, std::string>>{{6, long_value}, {1, "s"}, {0, ""}, {9, "mid-length-value"}, {2, long_value}, {7, "x"}}) {
        Response r = client.get(pogo->url("/pooled/fields?n=" + std::to_string(n) + "&v=" + v));
        INFO(r.describe());
        REQUIRE(r.status == 200);
        CHECK(r.body == "fields");
        int seen = 0;
        for (const auto& h : r.headers)
            if (h.first.starts_with("X-F") || h.first.starts_with("x-f")) ++seen;
        CHECK(seen == n);
        for (int i = 0; i < n; ++i) CHECK(r.header("X-F" + std::to_string(i)) == v + std::to_string(i));
        CHECK(r.header("Content-Type") == "text/plain");
        CHECK(r.headers_named("Content-Length").size() == 1);
    }
    Response last = client.get(pogo->url("/pooled/echo"));
    REQUIRE(last.status == 200);
    CHECK(body_json(last)["port"].get<long>() == *pooled.begin());
}

TEST_CASE("reverse_proxy: chunked and Content-Length bodies both ways") {
    NodeUpstream up;
    TempDir dir;
    auto pogo = start_pogo(dir, "\treverse_proxy " + up.hostport() + "\n");
    HttpClient client;
    Response cl = client.post_raw(pogo->url("/upload"), std::string(100000, 'x'), "application/octet-stream");
    INFO(cl.describe());
    REQUIRE(cl.status == 200);
    json clj = body_json(cl);
    CHECK(clj["bytes"] == 100000);
    CHECK(clj["headers"]["content-length"] == "100000");
    CHECK_FALSE(clj["headers"].contains("transfer-encoding"));

    Request chunked;
    chunked.method = "POST";
    chunked.url = pogo->url("/upload");
    chunked.headers = {"Transfer-Encoding: chunked", "Content-Type: text/plain"};
    chunked.body = std::string(70000, 'y');
    chunked.has_body = true;
    Response ch = client.perform(chunked);
    INFO(ch.describe());
    REQUIRE(ch.status == 200);
    json chj = body_json(ch);
    CHECK(chj["bytes"] == 70000);
    CHECK(chj["headers"]["transfer-encoding"] == "chunked");
    CHECK_FALSE(chj["headers"].contains("content-length"));

    Response pieces = client.get(pogo->url("/chunks"));
    CHECK(pieces.status == 200);
    CHECK(pieces.body == "one,two,three");
    CHECK(pieces.header("Transfer-Encoding") == "chunked");

    Response sized = client.get(pogo->url("/download?bytes=300000&cl=1"));
    CHECK(sized.status == 200);
    CHECK(sized.header("Content-Length") == "300000");
    CHECK(sized.body.size() == 300000);
    CHECK(sized.body.substr(0, 5) == "abcde");
}

TEST_CASE("reverse_proxy handle_response: {rp.*}, replace_status, copy_response, copy_response_headers; intercept around it") {
    NodeUpstream up;
    TempDir dir;
    const std::string u = up.hostport();
    auto pogo = start_pogo(dir, "\thandle_path /copy/* {\n\t\treverse_proxy " + u + R"( {
			@made status 201
			@ok status 2xx
			handle_response @made {
				header X-Handled yes
				copy_response 202
			}
			handle_response @ok {
				copy_response
			}
		}
	}
	handle_path /headers/* {
		reverse_proxy )" + u + R"( {
			handle_response {
				copy_response_headers {
					exclude Content-Length
				}
				respond "answered {rp.status_code}"
			}
		}
	}
	handle_path /nothing/* {
		reverse_proxy )" + u + R"( {
			handle_response {
				copy_response_headers {
					include X-Upstream
				}
			}
		}
	}
	handle_path /intercepted/* {
		intercept {
			@up header X-Upstream *
			handle_response @up {
				respond "intercepted {resp.status_code} from {resp.header.X-Upstream}"
			}
		}
		reverse_proxy )" + u + R"(
	}
	handle {
		reverse_proxy )" + u + R"( {
			@error status 5xx
			@teapot status 418
			replace_status @teapot 200
			handle_response @error {
				header X-Status {rp.status_code}
				respond "upstream said {rp.status_code} ({rp.status_text}) from {http.reverse_proxy.header.X-Upstream}" 502
			}
		}
	}
)");
    HttpClient client;
    Response err = client.get(pogo->url("/status?code=503"));
    INFO(err.describe());
    CHECK(err.status == 502);
    CHECK(err.body == "upstream said 503 (503 Service Unavailable) from upstream");
    CHECK(err.header("X-Status") == "503");
    CHECK_FALSE(err.has_header("X-Upstream"));  // the upstream's fields are not copied unasked

    Response tea = client.get(pogo->url("/status?code=418"));
    INFO(tea.describe());
    CHECK(tea.status == 200);
    CHECK(tea.body == "status 418");
    CHECK(tea.header("X-Upstream") == "upstream");

    Response fine = client.get(pogo->url("/status?code=200"));
    CHECK(fine.status == 200);
    CHECK(fine.body == "status 200");

    // copy_response: the upstream's response after all, the status given, the route's headers.
    Response made = client.get(pogo->url("/copy/status?code=201"));
    INFO(made.describe());
    CHECK(made.status == 202);
    CHECK(made.body == "status 201");
    CHECK(made.header("X-Upstream") == "upstream");
    CHECK(made.header("X-Handled") == "yes");
    // ... streamed as it comes: the body was not dropped while the route decided.
    Response big = client.get(pogo->url("/copy/download?bytes=3000000"));
    INFO(big.status << " " << big.error);
    CHECK(big.status == 200);
    CHECK(big.body.size() == 3000000);
    CHECK(big.body.substr(0, 5) == "abcde");
    Response unmatched = client.get(pogo->url("/copy/status?code=404"));
    CHECK(unmatched.status == 404);
    CHECK(unmatched.body == "status 404");

    Response headers = client.get(pogo->url("/headers/status?code=200"));
    INFO(headers.describe());
    CHECK(headers.status == 200);
    CHECK(headers.body == "answered 200");
    CHECK(headers.header("X-Upstream") == "upstream");
    CHECK(headers.header("Content-Type") == "text/plain");  // respond's default gives way, as in Caddy

    // Routes that answer nothing: the empty 200 at the end of Pogo's route, with what they set.
    Response nothing = client.get(pogo->url("/nothing/status?code=201"));
    INFO(nothing.describe());
    CHECK(nothing.status == 200);
    CHECK(nothing.body.empty());
    CHECK(nothing.header("X-Upstream") == "upstream");

    Response around = client.get(pogo->url("/intercepted/status?code=200"));
    INFO(around.describe());
    CHECK(around.status == 200);
    CHECK(around.body == "intercepted 200 from upstream");

    // The upstream connections those answers dropped left nothing behind: the proxy goes on.
    Response after = client.get(pogo->url("/echo"));
    CHECK(after.status == 200);
}

TEST_CASE("reverse_proxy serves HTTP/2 clients: the head, a streamed upload, a download") {
    NodeUpstream up;
    TempDir dir;
    auto pogo = start_pogo(dir, "\treverse_proxy " + up.hostport() + "\n", "\tservers {\n\t\tprotocols h1 h2 h2c\n\t}\n");
    // One client per request: libcurl cannot reuse an h2c prior-knowledge connection.
    HttpClient client, client2, client3;
    Request get;
    get.url = v4(*pogo, "/echo");
    get.http2_prior_knowledge = true;
    Response r = client.perform(get);
    INFO(r.describe());
    REQUIRE(r.status == 200);
    CHECK(r.http_version == "HTTP/2");
    json j = body_json(r);
    CHECK(j["headers"]["host"] == "127.0.0.1:" + std::to_string(pogo->port()));
    CHECK(j["headers"]["x-forwarded-for"] == "127.0.0.1");

    Request post;
    post.method = "POST";
    post.url = v4(*pogo, "/upload");
    post.http2_prior_knowledge = true;
    post.body = std::string(3 << 20, 'z');  // past the stream window and the proxy's upload queue
    post.has_body = true;
    Response u = client2.perform(post);
    INFO(u.describe());
    REQUIRE(u.status == 200);
    CHECK(body_json(u)["bytes"] == 3 << 20);

    Request down;
    down.url = v4(*pogo, "/download?bytes=2000000");
    down.http2_prior_knowledge = true;
    Response d = client3.perform(down);
    CHECK(d.status == 200);
    CHECK(d.body.size() == 2000000);
}

TEST_CASE("reverse_proxy passes each event of a stream on at once (flush_interval -1)") {
    NodeUpstream up;
    TempDir dir;
    auto pogo = start_pogo(dir, "\treverse_proxy " + up.hostport() + " {\n\t\tflush_interval -1\n\t}\n");
    const fs::path gate = dir / "gate";
    // The upstream sends its second event only once the client has seen the first: a proxy that
    // held the first back would leave the stream stuck until the upstream's own timeout.
    HttpClient client;
    Request req;
    req.url = pogo->url("/sse?gate=" + url_encode(gate.string()));
    std::string seen;
    req.on_data = [&](std::string_view piece) {
        seen.append(piece);
        if (seen.find("data: first\n\n") != std::string::npos && !fs::exists(gate)) write_file(gate, "open");
    };
    Response r = client.perform(req);
    INFO(r.describe());
    CHECK(r.status == 200);
    CHECK(r.header("Content-Type") == "text/event-stream");
    CHECK(r.body == "data: first\n\ndata: second\n\n");
}

TEST_CASE("reverse_proxy: an unreachable upstream is a 502 and a log line, one cut short ends the response, a slow one a 504") {
    NodeUpstream up;
    TempDir dir;
    const int closed_port = free_port();  // nobody listens there
    auto pogo = start_pogo(dir, "\treverse_proxy /down/* 127.0.0.1:" + std::to_string(closed_port) +
                                    "\n\treverse_proxy " + up.hostport() +
                                    " {\n\t\ttransport http {\n\t\t\tresponse_header_timeout 300ms\n\t\t}\n\t}\n");
    HttpClient client;
    Response down = client.get(pogo->url("/down/x"));
    INFO(down.describe());
    CHECK(down.status == 502);
    CHECK(pogo->wait_stderr("dial tcp 127.0.0.1:" + std::to_string(closed_port)));
    CHECK(pogo->stderr_text().find("\"status\":502") != std::string::npos);

    // The connection stays usable for the next request.
    Response ok = client.get(pogo->url("/slow?ms=0"));
    CHECK(ok.status == 200);
    CHECK(ok.body == "slow");

    // An upstream that dies after its head: the client must not take the start for the whole.
    HttpClient cut_client;
    Response cut = cut_client.get(pogo->url("/cut"));
    INFO(cut.describe());
    CHECK(cut.status == 0);
    CHECK(cut.body.size() < 1000);
    CHECK(client.get(pogo->url("/slow?ms=0")).status == 200);

    Response slow = client.get(pogo->url("/slow?ms=5000"));
    INFO(slow.describe());
    CHECK(slow.status == 504);
    CHECK(pogo->wait_stderr("timeout awaiting response headers"));
}

TEST_CASE("reverse_proxy streams a 1 GiB download and a 1 GiB upload with flat memory") {
    NodeUpstream up;
    TempDir dir;
    auto pogo = start_pogo(dir, "\treverse_proxy " + up.hostport() + "\n");
    std::string curl = require_tool("curl");
    HttpClient client;
    REQUIRE(client.get(pogo->url("/echo")).status == 200);  // warm: threads and buffers exist
    long before = peak_rss_kib(pogo->pid());
    REQUIRE(before > 0);
    const long long n = 1LL << 30;  // downloaded
    const long long m = 1LL << 30;  // uploaded

    CommandOptions o;
    o.timeout = milliseconds(120000);
    CommandResult down = run_command({curl, "-sS", "-o", "/dev/null", "-w", "%{http_code} %{size_download}",
                                      pogo->url("/download?bytes=" + std::to_string(n))},
                                     o);
    INFO(down.describe());
    CHECK(down.out == "200 " + std::to_string(n));

    // The upload streams from a pipe, chunked: neither curl nor the test holds it.
    CommandResult upl = run_command({"/bin/sh", "-c",
                                     "head -c " + std::to_string(m) + " /dev/zero | " + curl +
                                         " -sS -T - -X POST -H 'Content-Type: application/octet-stream' " +
                                         pogo->url("/upload")},
                                    o);
    INFO(upl.describe());
    json j = json::parse(upl.out, nullptr, false);
    REQUIRE_FALSE(j.is_discarded());
    CHECK(j["bytes"] == m);

    long after = peak_rss_kib(pogo->pid());
    CAPTURE(before);
    CAPTURE(after);
    // Each direction holds a few hundred KiB in flight; 2 GiB passed through.
    CHECK(after - before < 48 * 1024);
}

namespace {

std::string name_of(const Response& r) {
    json j = json::parse(r.body, nullptr, false);
    return j.is_discarded() || !j.contains("name") ? "status " + std::to_string(r.status) : j["name"].get<std::string>();
}

}  // namespace

TEST_CASE("reverse_proxy lb_policy: round_robin, first, header, uri_hash, ip_hash, least_conn") {
    NodeUpstream a("a"), b("b");
    TempDir dir;
    const std::string ups = a.hostport() + " " + b.hostport();
    std::string site;
    for (const char* p : {"round_robin", "first", "header X-Tenant", "uri_hash", "ip_hash", "least_conn"}) {
        std::string prefix = std::string(p).substr(0, std::string(p).find(' '));
        site += "\thandle_path /" + prefix + "/* {\n\t\treverse_proxy " + ups + " {\n\t\t\tlb_policy " + p + "\n\t\t}\n\t}\n";
    }
    auto pogo = start_pogo(dir, site);
    HttpClient client;
    std::vector<std::string> rr;
    for (int i = 0; i < 6; ++i) rr.push_back(name_of(client.get(pogo->url("/round_robin/echo"))));
    CAPTURE(rr[0] + rr[1] + rr[2] + rr[3] + rr[4] + rr[5]);
    CHECK(rr[0] != rr[1]);
    for (int i = 2; i < 6; ++i) CHECK(rr[i] == rr[i - 2]);
    for (int i = 0; i < 3; ++i) CHECK(name_of(client.get(pogo->url("/first/echo"))) == "a");
    for (const char* tenant : {"t1", "t2", "t3"}) {
        std::string first = name_of(client.get(pogo->url("/header/echo"), {std::string("X-Tenant: ") + tenant}));
        CHECK((first == "a" || first == "b"));
        for (int i = 0; i < 3; ++i)
            CHECK(name_of(client.get(pogo->url("/header/echo"), {std::string("X-Tenant: ") + tenant})) == first);
    }
    std::string by_uri = name_of(client.get(pogo->url("/uri_hash/echo?k=1")));
    std::string by_ip = name_of(client.get(pogo->url("/ip_hash/echo")));
    for (int i = 0; i < 3; ++i) {
        CHECK(name_of(client.get(pogo->url("/uri_hash/echo?k=1"))) == by_uri);
        CHECK(name_of(client.get(pogo->url("/ip_hash/echo"))) == by_ip);
        std::string least = name_of(client.get(pogo->url("/least_conn/echo")));
        CHECK((least == "a" || least == "b"));
    }
}

TEST_CASE("reverse_proxy: an upstream killed mid-run is retried around, then skipped (passive health)") {
    NodeUpstream a("a"), b("b");
    TempDir dir;
    const std::string ups = a.hostport() + " " + b.hostport();
    auto pogo = start_pogo(dir, "\thandle_path /retry/* {\n\t\treverse_proxy " + ups +
                                    " {\n\t\t\tlb_policy round_robin\n\t\t\tlb_retries 1\n\t\t}\n\t}\n"
                                    "\thandle_path /passive/* {\n\t\treverse_proxy " + ups +
                                    " {\n\t\t\tlb_policy round_robin\n\t\t\tfail_duration 1m\n\t\t}\n\t}\n");
    HttpClient client;
    std::set<std::string> seen;
    for (int i = 0; i < 4; ++i) {
        Response r = client.get(pogo->url("/retry/echo"));
        REQUIRE(r.status == 200);
        seen.insert(name_of(r));
        REQUIRE(client.get(pogo->url("/passive/echo")).status == 200);
    }
    CHECK(seen == std::set<std::string>{"a", "b"});
    b.kill();
    // With a retry, every request is answered: a dial error is safe to send elsewhere.
    for (int i = 0; i < 6; ++i) {
        Response r = client.get(pogo->url("/retry/echo"));
        INFO(r.describe());
        CHECK(r.status == 200);
        CHECK(name_of(r) == "a");
    }
    // Without one, b fails once (502), then fail_duration keeps it out of the rotation.
    int failures = 0;
    for (int i = 0; i < 6; ++i) {
        Response r = client.get(pogo->url("/passive/echo"));
        if (r.status == 502) {
            ++failures;
            continue;
        }
        CHECK(r.status == 200);
        CHECK(name_of(r) == "a");
    }
    CHECK(failures == 1);
    CHECK(pogo->wait_stderr("dial tcp " + b.hostport()));
}

TEST_CASE("reverse_proxy: an upstream failing its active health check gets no requests") {
    NodeUpstream a("a"), b("b", 503);
    TempDir dir;
    auto pogo = start_pogo(dir, "\treverse_proxy " + a.hostport() + " " + b.hostport() +
                                    " {\n\t\tlb_policy round_robin\n\t\thealth_uri /health\n"
                                    "\t\thealth_interval 200ms\n\t\thealth_timeout 2s\n\t}\n");
    HttpClient client;
    // Once b's first check failed, round_robin passes it by: four in a row from a.
    CHECK(poll_until([&] {
        for (int i = 0; i < 4; ++i)
            if (name_of(client.get(pogo->url("/echo"))) != "a") return false;
        return true;
    }));
    CHECK(pogo->wait_stderr("unhealthy upstream"));
    CHECK(pogo->stderr_text().find(b.hostport()) != std::string::npos);
}

TEST_CASE("reverse_proxy passes a WebSocket through: the 101, messages both ways, a large one, the close") {
    NodeUpstream up("ws-upstream");
    TempDir dir;
    auto pogo = start_pogo(dir, "\treverse_proxy " + up.hostport() + "\n");

    RawConnection c(pogo->port());
    REQUIRE(c.connected());
    // The handshake and a first message in one write: bytes behind the head are the new protocol's.
    REQUIRE(c.send(kWsHandshake + ws_frame(1, "early bird")));
    REQUIRE_MESSAGE(c.read_until("early bird"), c.received());
    const size_t head_end = c.received().find("\r\n\r\n");
    REQUIRE(head_end != std::string::npos);
    RawResponse head = parse_response(c.received().substr(0, head_end + 4), true);
    CHECK(head.status == 101);
    // The accept value RFC 6455 gives for this key: the upstream's handshake reached the client.
    CHECK(head.header("Sec-WebSocket-Accept") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    CHECK(head.header("Upgrade") == "websocket");
    CHECK(head.header("Connection") == "Upgrade");
    CHECK(head.header("X-Upstream") == "ws-upstream");
    CHECK(head.header("Content-Length").empty());
    CHECK(head.header("Transfer-Encoding").empty());

    REQUIRE(c.send(ws_frame(1, "ping one")));
    REQUIRE(c.read_until("ping one"));
    std::string big;
    for (int i = 0; big.size() < 3000000; ++i) big += std::to_string(i) + ",";
    big += "end of big";
    REQUIRE(c.send(ws_frame(2, big)));
    REQUIRE(c.read_until("end of big"));
    REQUIRE(c.send(ws_frame(8, std::string("\x03\xe8", 2))));
    CHECK(c.read_until_closed());

    auto msgs = ws_messages(std::string_view(c.received()).substr(head_end + 4));
    REQUIRE(msgs.size() == 5);
    CHECK(msgs[0] == std::pair<int, std::string>{1, "hello ws-upstream"});
    CHECK(msgs[1] == std::pair<int, std::string>{1, "early bird"});
    CHECK(msgs[2] == std::pair<int, std::string>{1, "ping one"});
    CHECK(msgs[3].first == 2);
    CHECK(msgs[3].second == big);
    CHECK(msgs[4] == std::pair<int, std::string>{8, std::string("\x03\xe8", 2)});

    // Refused by the upstream: its answer goes back as it is, and the connection ends with it.
    RawResult refused = raw_exchange(pogo->port(), "GET /ws?refuse=1 HTTP/1.1\r\nHost: localhost\r\n"
                                                   "Connection: Upgrade\r\nUpgrade: websocket\r\n"
                                                   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
    CHECK(refused.closed);
    RawResponse r = parse_response(refused.received);
    CHECK(r.status == 403);
    CHECK(r.body == "refused");

    // The server is still well after both.
    HttpClient client;
    CHECK(client.get(v4(*pogo, "/echo")).status == 200);
}

TEST_CASE("reverse_proxy resolves placeholders in upstream addresses per request") {
    NodeUpstream a("alpha"), b("beta");
    TempDir dir;
    // The header names the upstream; /by-var/ takes it from a variable the route sets.
    auto pogo = start_pogo(dir, "\thandle_path /by-var/* {\n\t\tvars upstream " + b.hostport() +
                                    "\n\t\treverse_proxy http://{vars.upstream}\n\t}\n"
                                    "\treverse_proxy {http.request.header.X-Backend}\n");
    HttpClient client;
    auto name_at = [&](const std::string& path, const std::string& backend) {
        Response r = client.get(v4(*pogo, path), {"X-Backend: " + backend});
        INFO(r.describe());
        json j = json::parse(r.body, nullptr, false);
        return r.status == 200 && !j.is_discarded() ? j["name"].get<std::string>() : std::to_string(r.status);
    };
    CHECK(name_at("/echo", a.hostport()) == "alpha");
    CHECK(name_at("/echo", b.hostport()) == "beta");
    CHECK(name_at("/echo", "http://" + a.hostport()) == "alpha");
    CHECK(name_at("/by-var/echo", a.hostport()) == "beta");
    // What does not expand to an address is a 502 and a log line; so is an address nobody serves.
    CHECK(name_at("/echo", "127.0.0.1:99999") == "502");
    CHECK(name_at("/echo", "") == "502");
    CHECK(pogo->wait_stderr("invalid upstream address"));
    CHECK(name_at("/echo", "127.0.0.1:" + std::to_string(free_port())) == "502");
}

TEST_CASE("reverse_proxy to HTTPS upstreams: verified against the given CA, by name or IP, kept alive; refused when unverified") {
    TempDir dir;
    // A self-signed certificate for localhost and 127.0.0.1: the CA the proxy is told to trust.
    std::string openssl = require_tool("openssl");
    const std::string cert = (dir / "up.pem").string(), key = (dir / "up.key").string();
    CommandResult gen = run_command({openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                                     "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost",
                                     "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"});
    REQUIRE_MESSAGE(gen.exit_code == 0, gen.describe());
    NodeUpstream up("secure", 200, {cert, key});
    const std::string port = std::to_string(up.port());
    auto pogo = start_pogo(dir,
                           "\thandle /by-name/* {\n\t\turi strip_prefix /by-name\n\t\treverse_proxy https://localhost:" + port +
                               " {\n\t\t\ttransport http {\n\t\t\t\ttls_trusted_ca_certs " + cert +
                               "\n\t\t\t}\n\t\t}\n\t}\n"
                               "\thandle /by-ip/* {\n\t\turi strip_prefix /by-ip\n\t\treverse_proxy https://127.0.0.1:" + port +
                               " {\n\t\t\ttransport http {\n\t\t\t\ttls_trust_pool file " + cert +
                               "\n\t\t\t}\n\t\t}\n\t}\n"
                               "\thandle /insecure/* {\n\t\turi strip_prefix /insecure\n\t\treverse_proxy 127.0.0.1:" + port +
                               " {\n\t\t\ttransport http {\n\t\t\t\ttls_insecure_skip_verify\n\t\t\t}\n\t\t}\n\t}\n"
                               "\thandle /wrong-name/* {\n\t\turi strip_prefix /wrong-name\n\t\treverse_proxy https://127.0.0.1:" +
                               port + " {\n\t\t\ttransport http {\n\t\t\t\ttls_server_name other.example\n\t\t\t\ttls_trusted_ca_certs " +
                               cert + "\n\t\t\t}\n\t\t}\n\t}\n"
                               "\thandle /system-ca/* {\n\t\turi strip_prefix /system-ca\n\t\treverse_proxy https://localhost:" + port +
                               "\n\t}\n");
    HttpClient client;
    auto echo = [&](const std::string& path) {
        Response r = client.get(v4(*pogo, path));
        INFO(r.describe());
        json j = json::parse(r.body, nullptr, false);
        REQUIRE(r.status == 200);
        REQUIRE_FALSE(j.is_discarded());
        return j;
    };
    json a = echo("/by-name/echo");
    CHECK(a["tls"] == true);
    CHECK(a["sni"] == "localhost");
    CHECK(a["url"] == "/echo");
    CHECK(a["headers"]["x-forwarded-proto"] == "http");
    // Kept alive: the next request comes over the same TLS connection.
    CHECK(echo("/by-name/echo")["port"] == a["port"]);
    json b = echo("/by-ip/echo");
    CHECK(b["tls"] == true);
    CHECK(b["sni"] == "");  // no SNI for an IP address; the certificate's IP entry is checked instead
    CHECK(echo("/insecure/echo")["tls"] == true);
    // A large body, decrypted and passed on in order.
    Response big = client.get(v4(*pogo, "/by-name/download?bytes=3000000&cl=1"));
    CHECK(big.status == 200);
    REQUIRE(big.body.size() == 3000000);
    size_t wrong = 0;
    for (size_t i = 0; i < big.body.size(); ++i)
        if (big.body[i] != char('a' + (i % 65536) % 26)) ++wrong;
    CHECK(wrong == 0);
    // A certificate for another name, or one nobody vouches for: 502 and the reason in the log.
    CHECK(client.get(v4(*pogo, "/wrong-name/echo")).status == 502);
    CHECK(pogo->wait_stderr("certificate verify failed"));
    CHECK(client.get(v4(*pogo, "/system-ca/echo")).status == 502);
}
