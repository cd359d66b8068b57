// The HTTP/2 fuzzer's seed corpus (tests/server/fuzz_corpus_h2: a split size byte, a mode byte,
// then what a client sends after the preface) replayed through the fuzz target on every test run,
// so the seeds stay valid inputs and the target's invariants hold for them where no fuzzer is
// built. The seeds are written by the skipped case below, from a real nghttp2 client:
//   test_fuzz_h2_replay -tc='write the HTTP/2 seed corpus' --no-skip
#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>

#include "h2_client.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace fs = std::filesystem;

namespace {
const fs::path kCorpus = fs::path(POGO_SOURCE_DIR) / "tests/server/fuzz_corpus_h2";
}

TEST_CASE("the HTTP/2 fuzz corpus replays cleanly") {
  size_t seeds = 0;
  for (const auto& entry : fs::directory_iterator(kCorpus)) {
    CAPTURE(entry.path().string());
    std::ifstream in(entry.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    REQUIRE(bytes.size() >= 2);
    CHECK(LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()) == 0);
    ++seeds;
  }
  CHECK(seeds >= 20);
}

TEST_CASE("write the HTTP/2 seed corpus" * doctest::skip()) {
  using pogo::server::test::H2Client;
  // One conversation's client bytes, without the preface the target adds itself.
  auto record = [](const std::function<void(H2Client&, std::string&)>& script) {
    H2Client c;
    std::string bytes;
    script(c, bytes);
    bytes += c.take();
    return bytes.substr(24);
  };
  auto write = [](const std::string& name, uint8_t split, uint8_t mode, const std::string& bytes) {
    std::ofstream out(kCorpus / name, std::ios::binary);
    out.put(char(split));
    out.put(char(mode));
    out << bytes;
  };
  H2Client::Fields post = {{":method", "POST"}, {":scheme", "https"}, {":authority", "x"}, {":path", "/p"}};
  std::string body(3000, 'b');

  std::string get = record([](H2Client& c, std::string&) { c.get("/index.php?a=1"); });
  std::string cookies = record([](H2Client& c, std::string&) {
    c.request({{":method", "GET"}, {":scheme", "http"}, {":authority", "a.example"}, {":path", "/"}, {"cookie", "a=1"},
               {"host", "b.example"}, {"cookie", "b=2"}});
  });
  std::string upload = record([&](H2Client& c, std::string&) { c.request(post, &body, 700); });
  std::string mixed = record([&](H2Client& c, std::string&) {
    for (int i = 0; i < 5; ++i) c.get("/m" + std::to_string(i));
    c.request(post, &body, 1000);
    uint8_t ping[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    nghttp2_submit_ping(c.session, NGHTTP2_FLAG_NONE, ping);
    nghttp2_submit_window_update(c.session, NGHTTP2_FLAG_NONE, 0, 100000);
  });
  std::string flood = record([](H2Client& c, std::string& bytes) {
    for (int i = 0; i < 40; ++i) {
      int32_t id = c.get("/r");
      bytes += c.take();
      nghttp2_submit_rst_stream(c.session, NGHTTP2_FLAG_NONE, id, NGHTTP2_CANCEL);
    }
  });
  std::string refused = record([](H2Client& c, std::string&) {
    c.request({{":method", "CONNECT"}, {":authority", "example.com:443"}});
    c.request({{":method", "GET"}, {":scheme", "http"}, {":authority", "x"}, {":path", "/"}, {"X-Upper", "1"}});
    c.request({{":method", "GET"}, {":scheme", "http"}, {":path", "/"}, {"host", "a/b"}});
    c.request({{":method", "GET"}, {":scheme", "http"}, {":authority", "x"}, {":path", "/"}, {"te", "gzip"}});
    c.get("/ok");
  });
  std::string big_headers = record([](H2Client& c, std::string&) {
    H2Client::Fields f = {{":method", "GET"}, {":scheme", "http"}, {":authority", "x"}, {":path", "/"}};
    for (int i = 0; i < 40; ++i) f.push_back({"x-f" + std::to_string(i), std::string(1000, 'v')});  // CONTINUATION
    c.request(f);
    c.get("/after");
  });
  std::string length_mismatch = record([&](H2Client& c, std::string&) {
    H2Client::Fields f = post;
    f.push_back({"content-length", "10"});
    c.request(f, &body, 1000);
  });
  std::string trailers = record([](H2Client& c, std::string& bytes) {
    // A request HEADERS without END_STREAM, then a trailer HEADERS that ends the stream.
    const char* f[][2] = {{":method", "POST"}, {":scheme", "http"}, {":authority", "x"}, {":path", "/t"}, {"x-trailer", "1"}};
    nghttp2_nv nva[5];
    for (int i = 0; i < 5; ++i)
      nva[i] = {(uint8_t*)f[i][0], (uint8_t*)f[i][1], strlen(f[i][0]), strlen(f[i][1]), NGHTTP2_NV_FLAG_NONE};
    int32_t id = nghttp2_submit_headers(c.session, NGHTTP2_FLAG_NONE, -1, nullptr, nva, 4, nullptr);
    bytes += c.take();
    nghttp2_submit_headers(c.session, NGHTTP2_FLAG_END_STREAM, id, nullptr, nva + 4, 1, nullptr);
  });
  std::string goaway = record([](H2Client& c, std::string&) {
    c.get("/1");
    nghttp2_submit_goaway(c.session, NGHTTP2_FLAG_NONE, 0, NGHTTP2_NO_ERROR, nullptr, 0);
  });
  std::string settings = record([](H2Client& c, std::string&) {
    nghttp2_settings_entry iv[] = {{NGHTTP2_SETTINGS_HEADER_TABLE_SIZE, 0},
                                   {NGHTTP2_SETTINGS_MAX_FRAME_SIZE, 1 << 20},
                                   {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 1}};
    nghttp2_submit_settings(c.session, NGHTTP2_FLAG_NONE, iv, 3);
    nghttp2_priority_spec pri;
    nghttp2_priority_spec_init(&pri, 0, 200, 1);
    c.get("/prio");
    nghttp2_submit_priority(c.session, NGHTTP2_FLAG_NONE, 1, &pri);
  });
  std::string many = record([](H2Client& c, std::string&) {
    for (int i = 0; i < 20; ++i) c.get("/s" + std::to_string(i));
  });

  write("get", 0, 0, get);
  write("get-split1", 1, 0, get);
  write("get-tls", 0, 32, get);
  write("cookies-authority", 0, 0, cookies);
  write("upload", 0, 0, upload);
  write("upload-split7", 7, 0, upload);
  write("upload-answer-early", 0, 1, upload);
  write("upload-small-limits", 0, 4, upload);
  write("mixed", 0, 0, mixed);
  write("mixed-big-responses", 0, 8, mixed);
  write("mixed-shutdown", 0, 2, mixed);
  write("mixed-reset-some", 13, 16, mixed);
  write("rst-flood", 0, 0, flood);
  write("rst-flood-small-limits", 0, 4, flood);
  write("refused-and-malformed", 0, 0, refused);
  write("big-headers-continuation", 0, 0, big_headers);
  write("big-headers-small-limits", 0, 4, big_headers);
  write("content-length-mismatch", 0, 0, length_mismatch);
  write("trailers", 0, 0, trailers);
  write("client-goaway", 0, 0, goaway);
  write("settings-priority", 0, 0, settings);
  write("many-streams", 0, 0, many);
  write("many-streams-small-limits", 3, 4 | 8, many);
  write("garbage-after-preface", 0, 0, std::string("\x00\x00\x04\x08\x00\x00\x00\x00\x00garbage", 16));
}
