// The built-in Mercure hub end to end: `pogo run` with a `mercure` block, subscribers that are
// real clients (an EventSource-style client on Node, `curl -N`, libcurl), publishers that are curl
// with tokens this test signs (HS256 with OpenSSL) and PHP's mercure_publish() from a request
// script, a worker script and a Pogo job. Private updates, refused tokens, CORS, reconnection with
// Last-Event-ID (also after a restart, from the history file), the subscriptions API, and
// subscribers told to come back when the server stops.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/hmac.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>

#include <atomic>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "tests/e2e/command.h"
#include "tests/e2e/common.h"

using namespace e2e;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const std::string kPublisherKey = "publisher-secret-of-at-least-256-bits-0123456789";
const std::string kSubscriberKey = "subscriber-secret-of-at-least-256-bits-987654321";

std::string b64url(std::string_view in) {
    static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        uint32_t v = uint8_t(in[i]) << 16 | uint8_t(in[i + 1]) << 8 | uint8_t(in[i + 2]);
        for (int s = 18; s >= 0; s -= 6) out += t[(v >> s) & 63];
    }
    if (in.size() - i == 1) {
        uint32_t v = uint8_t(in[i]) << 16;
        out += t[(v >> 18) & 63];
        out += t[(v >> 12) & 63];
    } else if (in.size() - i == 2) {
        uint32_t v = uint8_t(in[i]) << 16 | uint8_t(in[i + 1]) << 8;
        out += t[(v >> 18) & 63];
        out += t[(v >> 12) & 63];
        out += t[(v >> 6) & 63];
    }
    return out;
}

// An HS256 JWT with `claims`, signed with `key`.
std::string sign(const json& claims, const std::string& key) {
    std::string input = b64url(R"({"alg":"HS256","typ":"JWT"})") + "." + b64url(claims.dump());
    unsigned char mac[32];
    unsigned int len = 0;
    HMAC(EVP_sha256(), key.data(), int(key.size()), reinterpret_cast<const unsigned char*>(input.data()), input.size(),
         mac, &len);
    return input + "." + b64url(std::string(reinterpret_cast<char*>(mac), len));
}

std::string publisher_token(std::vector<std::string> topics = {"*"}) {
    return sign({{"mercure", {{"publish", topics}}}}, kPublisherKey);
}
std::string subscriber_token(std::vector<std::string> topics, json payload = nullptr) {
    json m = {{"subscribe", topics}};
    if (!payload.is_null()) m["payload"] = payload;
    return sign({{"mercure", m}}, kSubscriberKey);
}

struct Hub {
    TempDir dir;
    int port = 0;
    std::unique_ptr<PogoProcess> pogo;
    std::string url(std::string_view path) const { return "http://127.0.0.1:" + std::to_string(port) + std::string(path); }
    std::string hub() const { return url("/.well-known/mercure"); }

    void start() {
        pogo = std::make_unique<PogoProcess>(std::vector<std::string>{"run", "--config", (dir / "Caddyfile").string()});
        REQUIRE_MESSAGE(pogo->wait_listening(), pogo->describe());
    }
};

std::unique_ptr<Hub> make_hub() {
    auto h = std::make_unique<Hub>();
    h->port = free_port();
    const fs::path root = h->dir / "public";
    fs::create_directories(root);
    const std::string repo = POGO_SOURCE_DIR;
    write_file(root / "publish.php", R"PHP(<?php
$id = mercure_publish($_GET['topic'] ?? 'https://example.com/books/1', $_GET['data'] ?? "from\nphp", isset($_GET['private']),
                      $_GET['id'] ?? null, $_GET['type'] ?? null, isset($_GET['retry']) ? (int)$_GET['retry'] : null);
echo $id;
)PHP");
    write_file(root / "errors.php", R"PHP(<?php
foreach ([fn() => mercure_publish([]), fn() => mercure_publish([1]), fn() => mercure_publish('t', '', false, '#bad'),
          fn() => mercure_publish('t', '', false, null, null, -1)] as $f) {
    try { $f(); echo "no error\n"; } catch (\Throwable $e) { echo get_class($e), ': ', $e->getMessage(), "\n"; }
}
)PHP");
    write_file(root / "job.php", R"PHP(<?php
$h = pogo_dispatch('PublishJob', ['topic' => $_GET['topic'], 'data' => 'from a job']);
echo pogo_await($h);
)PHP");
    write_file(h->dir / "bootstrap.php", "<?php\nrequire '" + repo + R"PHP(/php/src/JobInterface.php';
final class PublishJob implements Pogo\JobInterface {
    public function handle(array $args): mixed { return mercure_publish($args['topic'], $args['data']); }
}
)PHP");
    write_file(h->dir / "pool.php", "<?php\nputenv('POGO_BOOTSTRAP=" + (h->dir / "bootstrap.php").string() +
                                        "');\nrequire '" + repo + "/php/worker/pogo-worker.php';\n");
    write_file(h->dir / "worker.php", R"PHP(<?php
while (frankenphp_handle_request(function () { echo mercure_publish($_GET['topic'], 'from a worker'); })) {}
)PHP");
    write_file(h->dir / "Caddyfile", "{\n\tadmin off\n\tauto_https off\n\tpogo {\n\t\tpool default {\n\t\t\tworker " +
                                         (h->dir / "pool.php").string() + "\n\t\t\tnum_threads 1\n\t\t}\n\t}\n}\n" +
                                         "http://127.0.0.1:" + std::to_string(h->port) + " {\n\troot * " + root.string() +
                                         R"(
	encode gzip
	mercure {
		publisher_jwt )" + kPublisherKey + R"(
		subscriber_jwt {env.TEST_SUBSCRIBER_KEY} {env.TEST_SUBSCRIBER_ALG}
		anonymous
		subscriptions
		cors_origins http://app.test
		publish_origins http://app.test
		transport bolt {
			path )" + (h->dir / "mercure.db").string() + R"(
		}
	}
	header /publish.php Link `</.well-known/mercure>; rel="mercure"`
	php_server {
		worker {
			file )" + (h->dir / "worker.php").string() + R"(
			num 1
			match /w/*
		}
	}
}
)");
    ::setenv("TEST_SUBSCRIBER_KEY", kSubscriberKey.c_str(), 1);
    ::setenv("TEST_SUBSCRIBER_ALG", "HS256", 1);
    h->start();
    return h;
}

// A subscriber on the Node client, running in the background until it has `count` events.
struct NodeSubscriber {
    fs::path ready;
    CommandResult result;
    std::thread thread;

    NodeSubscriber(const Hub& hub, const std::string& query, int count, std::vector<std::string> headers = {},
                   int reconnects = 0) {
        static std::atomic<int> n{0};
        ready = hub.dir / ("ready-" + std::to_string(n++));
        std::vector<std::string> argv = {require_tool("node"), (fixtures_dir() / "mercure" / "sse-client.mjs").string(),
                                         hub.hub() + "?" + query, std::to_string(count), "--ready", ready.string(),
                                         "--reconnect", std::to_string(reconnects)};
        for (auto& h : headers) argv.insert(argv.end(), {"--header", h});
        thread = std::thread([this, argv] { result = run_command(argv, CommandOptions{.timeout = std::chrono::seconds(30)}); });
    }
    ~NodeSubscriber() {
        if (thread.joinable()) thread.join();
    }
    void wait_ready() { REQUIRE(poll_until([&] { return fs::exists(ready); })); }
    // The JSON lines it printed.
    std::vector<json> lines() {
        thread.join();
        std::vector<json> out;
        for (const auto& l : lines_of(result.out)) out.push_back(json::parse(l));
        return out;
    }
    std::vector<json> events() {
        std::vector<json> out;
        for (auto& j : lines())
            if (j.contains("event")) out.push_back(j);
        return out;
    }
};

Response publish(HttpClient& c, const Hub& hub, std::vector<Header> fields, const std::string& token,
                 std::vector<std::string> extra = {}) {
    extra.push_back("Authorization: Bearer " + token);
    return c.post_form(hub.hub(), fields, extra);
}

}  // namespace

TEST_CASE("mercure: subscribers on Node receive what curl and PHP publish; private updates; Last-Event-ID") {
    auto hub = make_hub();
    HttpClient c;
    const std::string topic = "https://example.com/books/1";
    NodeSubscriber anon(*hub, "topic=" + url_encode("https://example.com/books/{id}"), 3);
    NodeSubscriber authorized(*hub, "topic=" + url_encode(topic), 4,
                              {"Authorization: Bearer " + subscriber_token({topic})});
    anon.wait_ready();
    authorized.wait_ready();

    Response r = publish(c, *hub, {{"topic", topic}, {"data", "hello\nmultiline\r\nworld"}, {"id", "urn:test:1"}},
                         publisher_token());
    INFO(r.describe());
    REQUIRE(r.status == 200);
    CHECK(r.body == "urn:test:1");
    r = publish(c, *hub, {{"topic", topic}, {"data", "secret"}, {"private", "on"}}, publisher_token());
    REQUIRE(r.status == 200);
    CHECK(r.body.rfind("urn:uuid:", 0) == 0);
    r = c.get(hub->url("/publish.php?type=book&retry=5000&id=urn:test:php"));
    REQUIRE(r.status == 200);
    CHECK(r.body == "urn:test:php");
    CHECK(r.header("Link") == "</.well-known/mercure>; rel=\"mercure\"");
    r = c.get(hub->url("/w/?topic=" + url_encode(topic)));  // the worker script publishes
    REQUIRE(r.status == 200);
    CHECK(r.body.rfind("urn:uuid:", 0) == 0);
    // An update for another topic reaches nobody here.
    REQUIRE(publish(c, *hub, {{"topic", "https://example.com/authors/1"}, {"data", "x"}}, publisher_token()).status == 200);

    auto a = anon.events();
    INFO(anon.result.describe());
    REQUIRE(a.size() == 3);
    CHECK(a[0]["data"] == "hello\nmultiline\nworld");
    CHECK(a[0]["id"] == "urn:test:1");
    CHECK(a[1]["event"] == "book");
    CHECK(a[1]["data"] == "from\nphp");
    CHECK(a[2]["data"] == "from a worker");
    auto b = authorized.events();
    INFO(authorized.result.describe());
    REQUIRE(b.size() == 4);
    CHECK(b[1]["data"] == "secret");  // private: only the authorized subscriber
    CHECK(b[2]["event"] == "book");

    // Reconnection: what followed urn:test:1, minus the private update for an anonymous subscriber.
    NodeSubscriber again(*hub, "topic=" + url_encode(topic), 2, {"Last-Event-ID: urn:test:1"});
    auto lines = again.lines();
    INFO(again.result.describe());
    REQUIRE(!lines.empty());
    CHECK(lines[0]["open"] == 200);
    CHECK(lines[0]["headers"]["mercure-last-event-id"] == "urn:test:1");
    CHECK(lines[0]["headers"]["content-type"] == "text/event-stream");
    std::vector<std::string> data;
    for (auto& l : lines)
        if (l.contains("event")) data.push_back(l["data"]);
    CHECK(data == std::vector<std::string>{"from\nphp", "from a worker"});
    // lastEventID in the query works the same; an unknown id replays nothing and says `earliest`.
    r = c.head(hub->hub() + "?topic=" + url_encode(topic) + "&lastEventID=urn:unknown");
    CHECK(r.status == 200);
    CHECK(r.header("Mercure-Last-Event-ID") == "earliest");
    r = c.head(hub->hub() + "?topic=" + url_encode(topic) + "&lastEventID=urn:test:php");
    CHECK(r.header("Mercure-Last-Event-ID") == "urn:test:php");
}

TEST_CASE("mercure: a Pogo job publishes, tokens are checked, CORS, the subscriptions API") {
    auto hub = make_hub();
    HttpClient c;
    const std::string topic = "https://example.com/jobs/1";

    // Refused publishers: no token, a token signed with another key, an expired one, one that does
    // not cover the topic, and a cookie from an origin outside publish_origins.
    std::vector<Header> form = {{"topic", topic}, {"data", "x"}};
    CHECK(c.post_form(hub->hub(), form).status == 401);
    CHECK(publish(c, *hub, form, sign({{"mercure", {{"publish", {"*"}}}}}, "another-key-another-key-another-key!")).status == 401);
    CHECK(publish(c, *hub, form, sign({{"exp", 1000000000}, {"mercure", {{"publish", {"*"}}}}}, kPublisherKey)).status == 401);
    CHECK(publish(c, *hub, form, publisher_token({"https://example.com/other"})).status == 403);
    CHECK(c.post_form(hub->hub(), form, {"Cookie: mercureAuthorization=" + publisher_token(), "Origin: http://evil.test"}).status == 403);
    CHECK(c.post_form(hub->hub(), form, {"Cookie: mercureAuthorization=" + publisher_token(), "Origin: http://app.test"}).status == 200);
    CHECK(publish(c, *hub, {{"data", "no topic"}}, publisher_token()).status == 400);
    CHECK(publish(c, *hub, {{"topic", topic}, {"retry", "soon"}}, publisher_token()).status == 400);
    CHECK(hub->pogo->wait_stderr("publisher token refused"));
    // Refused subscribers.
    CHECK(c.get(hub->hub()).status == 400);
    CHECK(c.get(hub->hub() + "?topic=x", {"Authorization: Bearer " + sign({{"mercure", json::object()}}, "wrong-key-wrong-key-wrong-key-wrong")}).status == 401);
    // CORS preflight: the allowed origin gets the headers, another one a 403.
    Request pre;
    pre.method = "OPTIONS";
    pre.url = hub->hub();
    pre.headers = {"Origin: http://app.test", "Access-Control-Request-Method: GET", "Access-Control-Request-Headers: authorization"};
    {
        Response r = c.perform(pre);
        INFO(r.describe());
        CHECK(r.status == 200);
        CHECK(r.header("Access-Control-Allow-Origin") == "http://app.test");
        CHECK(r.header("Access-Control-Allow-Credentials") == "true");
        CHECK(r.header("Access-Control-Allow-Headers").find("Authorization") != std::string::npos);
    }
    pre.headers = {"Origin: http://evil.test", "Access-Control-Request-Method: GET"};
    CHECK(c.perform(pre).status == 403);

    // PHP's errors are exceptions with precise messages.
    Response e = c.get(hub->url("/errors.php"));
    INFO(e.describe());
    CHECK(e.body.find("ValueError: mercure_publish(): Argument #1 ($topics) must name at least one topic") != std::string::npos);
    CHECK(e.body.find("TypeError: mercure_publish(): Argument #1 ($topics) must contain only strings, int given") != std::string::npos);
    CHECK(e.body.find("RuntimeException: mercure_publish(): ") != std::string::npos);
    CHECK(e.body.find("ValueError: mercure_publish(): Argument #6 ($retry) must be greater than or equal to 0") != std::string::npos);

    // A subscriber with a payload, seen by the subscriptions API; a job publishes to it.
    const std::string watcher = subscriber_token({"/.well-known/mercure/subscriptions{/topic}{/subscriber}"});
    NodeSubscriber sub(*hub, "topic=" + url_encode(topic), 1, {"Authorization: Bearer " + subscriber_token({topic}, {{"user", "ada"}})});
    sub.wait_ready();
    Response api = c.get(hub->hub() + "/subscriptions", {"Authorization: Bearer " + watcher});
    INFO(api.describe());
    REQUIRE(api.status == 200);
    CHECK(api.header("Content-Type") == "application/ld+json");
    json doc = json::parse(api.body);
    CHECK(doc["type"] == "Subscriptions");
    REQUIRE(doc["subscriptions"].size() == 1);
    json s = doc["subscriptions"][0];
    CHECK(s["topic"] == topic);
    CHECK(s["payload"]["user"] == "ada");
    CHECK(s["active"] == true);
    Response one = c.get("http://127.0.0.1:" + std::to_string(hub->port) + s["id"].get<std::string>(),
                         {"Authorization: Bearer " + watcher});
    CHECK(one.status == 200);
    CHECK(json::parse(one.body)["subscriber"] == s["subscriber"]);
    CHECK(c.get(hub->hub() + "/subscriptions").status == 401);
    CHECK(c.get(hub->hub() + "/subscriptions", {"Authorization: Bearer " + subscriber_token({"https://example.com/x"})}).status == 403);

    Response j = c.get(hub->url("/job.php?topic=" + url_encode(topic)));
    INFO(j.describe());
    REQUIRE(j.status == 200);
    auto ev = sub.events();
    INFO(sub.result.describe());
    REQUIRE(ev.size() == 1);
    CHECK(ev[0]["data"] == "from a job");
    CHECK(ev[0]["id"] == j.body);
}

TEST_CASE("mercure: the history file survives a restart; stopping tells subscribers to come back") {
    auto hub = make_hub();
    HttpClient c;
    const std::string topic = "https://example.com/persist";
    REQUIRE(publish(c, *hub, {{"topic", topic}, {"data", "one"}, {"id", "urn:p:1"}}, publisher_token()).status == 200);
    REQUIRE(publish(c, *hub, {{"topic", topic}, {"data", "two"}, {"id", "urn:p:2"}}, publisher_token()).status == 200);
    REQUIRE(hub->pogo->stop() == 0);
    hub->start();

    // curl -N, the other real client: the replay after a restart, then the server stops under it
    // and tells it when to come back (so it stops at once, without waiting out a grace period).
    CommandResult curl;
    std::thread t([&] {
        curl = run_command({require_tool("curl"), "-sN", "-H", "Last-Event-ID: urn:p:1", hub->hub() + "?topic=" + url_encode(topic)},
                           CommandOptions{.timeout = std::chrono::seconds(20)});
    });
    const std::string watcher = subscriber_token({"/.well-known/mercure/subscriptions{/topic}{/subscriber}"});
    CHECK(poll_until([&] {
        Response api = c.get(hub->hub() + "/subscriptions", {"Authorization: Bearer " + watcher});
        return api.status == 200 && json::parse(api.body)["subscriptions"].size() == 1;
    }));
    CHECK(hub->pogo->stop() == 0);
    t.join();
    INFO(curl.describe());
    CHECK(curl.out.find("id: urn:p:2\ndata: two\n\n") != std::string::npos);
    CHECK(curl.out.find("one") == std::string::npos);
    CHECK(curl.out.find("retry: 1000\n\n") != std::string::npos);
    CHECK(curl.exit_code == 0);
}

namespace {

// The subscriber ids the subscriptions API lists at `hub` (empty on any failure).
std::vector<std::string> subscriber_ids(HttpClient& c, const std::string& hub) {
    const std::string watcher = subscriber_token({"/.well-known/mercure/subscriptions{/topic}{/subscriber}"});
    Response api = c.get(hub + "/subscriptions", {"Authorization: Bearer " + watcher});
    std::vector<std::string> out;
    if (api.status != 200) return out;
    json doc = json::parse(api.body);
    for (auto& s : doc["subscriptions"]) out.push_back(s["subscriber"]);
    return out;
}

// A subscriber that reads nothing: a small receive buffer, the request sent, then silence.
int silent_subscriber(int port, const std::string& query) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    int small = 4096;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(uint16_t(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    std::string req = "GET /.well-known/mercure?" + query + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    REQUIRE(::write(fd, req.data(), req.size()) == ssize_t(req.size()));
    return fd;
}

}  // namespace

TEST_CASE("mercure: slow subscribers are dropped, write_timeout, subscription events, metrics, reload keeps the hub") {
    TempDir dir;
    const int p1 = free_port(), p2 = free_port(), admin = free_port();
    const std::string caddyfile = "{\n\tadmin 127.0.0.1:" + std::to_string(admin) + "\n\tauto_https off\n}\n" +
                                  "http://127.0.0.1:" + std::to_string(p1) + " {\n\tmercure {\n\t\tpublisher_jwt " + kPublisherKey +
                                  "\n\t\tsubscriber_jwt " + kSubscriberKey +
                                  "\n\t\tanonymous\n\t\tsubscriptions\n\t\tdispatch_timeout 1s\n\t}\n}\n" +
                                  "http://127.0.0.1:" + std::to_string(p2) + " {\n\tmercure {\n\t\tpublisher_jwt " + kPublisherKey +
                                  "\n\t\tsubscriber_jwt " + kSubscriberKey +
                                  "\n\t\tanonymous\n\t\tsubscriptions\n\t\twrite_timeout 1s\n\t}\n}\n";
    write_file(dir / "Caddyfile", caddyfile);
    Hub h1;  // for its url helpers: the process is started here
    h1.port = p1;
    PogoProcess pogo({"run", "--config", (dir / "Caddyfile").string()});
    REQUIRE_MESSAGE(pogo.wait_listening(), pogo.describe());
    HttpClient c;
    const std::string hub1 = h1.hub(), hub2 = "http://127.0.0.1:" + std::to_string(p2) + "/.well-known/mercure";
    const std::string topic = "https://example.com/slow";

    // Subscription events: a watcher sees itself arrive, then the others come and go.
    NodeSubscriber watcher(h1, "topic=" + url_encode("/.well-known/mercure/subscriptions{/topic}{/subscriber}"), 4,
                           {"Authorization: Bearer " + subscriber_token({"/.well-known/mercure/subscriptions{/topic}{/subscriber}"})});
    watcher.wait_ready();
    NodeSubscriber fast(h1, "topic=" + url_encode(topic), 40);
    fast.wait_ready();
    int silent = silent_subscriber(p1, "topic=" + url_encode(topic));
    REQUIRE(poll_until([&] { return subscriber_ids(c, hub1).size() == 3; }));

    // 40 updates of 100 KB: the silent one falls behind and is dropped; the fast one gets them all.
    const std::string big(100000, 'x');
    for (int i = 0; i < 40; ++i)
        REQUIRE(publish(c, h1, {{"topic", topic}, {"data", big}, {"id", "urn:big:" + std::to_string(i)}}, publisher_token()).status == 200);
    auto got = fast.events();
    INFO(fast.result.describe().substr(0, 2000));
    REQUIRE(got.size() == 40);
    CHECK(got[39]["id"] == "urn:big:39");
    CHECK(got[39]["data"].get<std::string>().size() == big.size());
    CHECK(pogo.wait_stderr("slow subscriber dropped"));
    ::close(silent);
    auto events = watcher.events();
    REQUIRE(events.size() == 4);
    std::vector<bool> active;
    for (size_t i = 0; i < events.size(); ++i) {
        json d = json::parse(events[i]["data"].get<std::string>());
        CHECK(d["type"] == "Subscription");
        CHECK(d["topic"] == (i == 0 ? "/.well-known/mercure/subscriptions{/topic}{/subscriber}" : topic));
        active.push_back(d["active"]);
    }
    CHECK(active == std::vector<bool>{true, true, true, false});

    // write_timeout: the stream ends after a second; the client comes back and still gets updates.
    Hub h2;
    h2.port = p2;
    NodeSubscriber timed(h2, "topic=" + url_encode(topic), 1, {}, 1);
    timed.wait_ready();
    std::vector<std::string> first;
    REQUIRE(poll_until([&] { return (first = subscriber_ids(c, hub2)).size() == 1; }));
    REQUIRE(poll_until([&] {
        auto now = subscriber_ids(c, hub2);
        return now.size() == 1 && now[0] != first[0];
    }));
    REQUIRE(c.post_form(hub2, {{"topic", topic}, {"data", "after the timeout"}}, {"Authorization: Bearer " + publisher_token()}).status == 200);
    auto lines = timed.lines();
    INFO(timed.result.describe());
    int opens = 0, closes = 0;
    for (auto& l : lines) {
        opens += l.contains("open");
        closes += l.contains("closed");
    }
    CHECK(opens == 2);
    CHECK(closes == 1);
    CHECK(lines.back()["data"] == "after the timeout");

    // The hub's metrics, beside the others.
    Response m = c.get("http://127.0.0.1:" + std::to_string(admin) + "/metrics");
    CHECK(m.body.find("mercure_subscribers_connected") != std::string::npos);
    CHECK(m.body.find("mercure_updates_total") != std::string::npos);
    CHECK(m.body.find("pogo_mercure_subscribers_dropped_total 1") != std::string::npos);

    // A reload that keeps the mercure block keeps the hub: its subscriber is told to come back,
    // reconnects with its Last-Event-ID, and misses nothing.
    // Two reconnections, as an EventSource makes as many as it needs: its stream ends, and its next
    // try may still reach the stopping configuration over the same keep-alive connection (it is
    // told to come back, on a new connection), before it reaches the new one.
    NodeSubscriber kept(h1, "topic=" + url_encode(topic), 2, {}, 2);
    kept.wait_ready();
    REQUIRE(poll_until([&] { return (first = subscriber_ids(c, hub1)).size() == 1; }));
    REQUIRE(publish(c, h1, {{"topic", topic}, {"data", "before"}, {"id", "urn:r:1"}}, publisher_token()).status == 200);
    write_file(dir / "Caddyfile", caddyfile + "http://127.0.0.1:" + std::to_string(free_port()) + " {\n\trespond ok\n}\n");
    ::kill(pogo.pid(), SIGUSR1);
    std::vector<std::string> now;
    bool came_back = poll_until([&] {
        now = subscriber_ids(c, hub1);
        return now.size() == 1 && now[0] != first[0];
    });
    INFO("subscribers now: " << now.size() << (now.empty() ? std::string() : " first " + now[0]) << "; before: " << first[0]);
    INFO(pogo.describe());
    REQUIRE(came_back);
    REQUIRE(publish(c, h1, {{"topic", topic}, {"data", "after"}, {"id", "urn:r:2"}}, publisher_token()).status == 200);
    auto r = kept.lines();
    INFO(kept.result.describe());
    std::vector<std::string> ids;
    bool retried = false;
    for (auto& l : r) {
        if (l.contains("event")) ids.push_back(l["id"]);
        if (l.contains("retry")) retried = l["retry"] == 1000;
    }
    CHECK(ids == std::vector<std::string>{"urn:r:1", "urn:r:2"});
    CHECK(retried);
    CHECK(pogo.stop() == 0);
}

TEST_CASE("mercure: php-server --mercure takes its keys from the environment") {
    TempDir dir;
    write_file(dir / "p.php", "<?php echo mercure_publish('https://example.com/cli', 'from php-server');");
    RunResult missing = run_pogo({"php-server", "--mercure", "--root", dir.path().string(), "--listen", "127.0.0.1:0"},
                                 {"MERCURE_PUBLISHER_JWT_KEY="});
    CHECK(missing.exit_code != 0);
    CHECK(missing.err.find("--mercure: the MERCURE_PUBLISHER_JWT_KEY environment variable must be set") != std::string::npos);

    auto pogo = start_php_server(dir.path(), {"--mercure"},
                                 {"MERCURE_PUBLISHER_JWT_KEY=" + kPublisherKey, "MERCURE_SUBSCRIBER_JWT_KEY=" + kSubscriberKey});
    Hub h;
    h.port = pogo->port();
    NodeSubscriber sub(h, "topic=" + url_encode("https://example.com/cli"), 1,
                       {"Authorization: Bearer " + subscriber_token({"https://example.com/cli"})});
    sub.wait_ready();
    HttpClient c;
    Response r = c.get(pogo->url("/p.php"));
    REQUIRE(r.status == 200);
    auto ev = sub.events();
    REQUIRE(ev.size() == 1);
    CHECK(ev[0]["data"] == "from php-server");
    CHECK(ev[0]["id"] == r.body);
    // Anonymous subscribers are refused: php-server's hub, like FrankenPHP's, has no `anonymous`.
    CHECK(c.head(h.hub() + "?topic=x").status == 401);
}
