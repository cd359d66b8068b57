// HTTP/2 on the wire, through the real `pogo run`: what hostile or broken clients send (rapid-reset
// floods, malformed frames, bodies nobody reads, stalled windows, escaping paths, silence), written
// frame by frame on raw sockets where no client would. The well-behaved clients are in
// http2_test.cpp; both share http2_support.h.
#include "tests/e2e/http2_support.h"

using namespace e2e_h2;

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
