// Loop turns: a connection hands its exchange over with HttpLoop::hand_to(), which calls the
// backend's handle_in_turn(); the loop calls end_of_turn() once per backend touched at the end
// of that turn (uv_check after I/O, uv_prepare before blocking). The backend here only queues in
// handle_in_turn() and answers in end_of_turn(): a request is answered only if the turn that
// handed it over was ended, including a turn after which the loop blocks waiting for I/O.
#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "server/backend.h"
#include "routed_server.h"
#include "server/server.h"
#include "test_client.h"

using pogo::server::Exchange;
using pogo::server::ResponseHead;

namespace {

// Threads: handle_in_turn()/end_of_turn() on the loop threads (state per loop thread); the
// counters and check_idle() on the test thread. With `on_loop` the answers are produced inside
// end_of_turn() on the loop thread, else on a helper thread end_of_turn() passes them to.
class TurnBackend : public pogo::server::Backend {
 public:
  explicit TurnBackend(bool on_loop) : on_loop_(on_loop) {
    if (!on_loop_) helper_ = std::thread([this] { run_helper(); });
  }
  ~TurnBackend() override {
    {
      std::lock_guard lk(helper_mu_);
      stop_ = true;
    }
    helper_cv_.notify_all();
    if (helper_.joinable()) helper_.join();
  }

  void handle(std::shared_ptr<Exchange> ex) override {
    ++direct_handles;  // the loop must use handle_in_turn()
    answer(*ex);
  }

  void handle_in_turn(std::shared_ptr<Exchange> ex) override {
    std::lock_guard lk(mu_);
    Turn& t = turns_[std::this_thread::get_id()];
    t.handed = true;
    t.queued.push_back(std::move(ex));
    ++handed;
  }

  void end_of_turn() override {
    std::vector<std::shared_ptr<Exchange>> batch;
    {
      std::lock_guard lk(mu_);
      Turn& t = turns_[std::this_thread::get_id()];
      if (!t.handed) ++empty_turns;  // end_of_turn on a turn that handed nothing over
      t.handed = false;
      batch.swap(t.queued);
      ++turns;
      max_batch = std::max(max_batch.load(), batch.size());
    }
    if (on_loop_) {
      for (auto& ex : batch) answer(*ex);
      return;
    }
    {
      std::lock_guard lk(helper_mu_);
      for (auto& ex : batch) helper_queue_.push_back(std::move(ex));
    }
    helper_cv_.notify_one();
  }

  // Nothing handed over is left waiting for an end_of_turn().
  size_t still_queued() const {
    std::lock_guard lk(mu_);
    size_t n = 0;
    for (auto& [id, t] : turns_) n += t.queued.size() + (t.handed ? 1 : 0);
    return n;
  }

  std::atomic<int> direct_handles{0};
  std::atomic<int> handed{0};
  std::atomic<int> turns{0};
  std::atomic<int> empty_turns{0};
  std::atomic<int> answered{0};
  std::atomic<size_t> max_batch{0};

 private:
  struct Turn {
    bool handed = false;
    std::vector<std::shared_ptr<Exchange>> queued;
  };

  void answer(Exchange& ex) {
    std::string body = "answer " + ex.head().query;
    ex.send_head(ResponseHead{200, {{"Content-Type", "text/plain"}, {"Content-Length", std::to_string(body.size())}}});
    ex.write(body);
    ex.finish();
    ++answered;
  }

  void run_helper() {
    std::unique_lock lk(helper_mu_);
    for (;;) {
      helper_cv_.wait(lk, [&] { return stop_ || !helper_queue_.empty(); });
      if (helper_queue_.empty()) return;
      auto ex = std::move(helper_queue_.front());
      helper_queue_.pop_front();
      lk.unlock();
      answer(*ex);
      lk.lock();
    }
  }

  const bool on_loop_;
  mutable std::mutex mu_;
  std::map<std::thread::id, Turn> turns_;

  std::mutex helper_mu_;
  std::condition_variable helper_cv_;
  std::deque<std::shared_ptr<Exchange>> helper_queue_;
  bool stop_ = false;
  std::thread helper_;
};

constexpr size_t kBigFile = 512 << 10;  // a static file streamed in several chunks

struct TurnServer {
  std::filesystem::path root;
  TurnBackend backend;
  RoutedServer routed;
  pogo::server::Server* server = nullptr;
  int port = 0;

  explicit TurnServer(bool on_loop) : backend(on_loop) {
    static int counter = 0;
    root = std::filesystem::temp_directory_path() /
           ("pogo-turn-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(root);
    std::filesystem::create_directories(root);
    for (auto f : {"index.php", "a.php"}) std::ofstream(root / f) << "<?php // served by TurnBackend";
    std::ofstream(root / "big.txt") << std::string(kBigFile, 'f');
    pogo::server::ServerOptions o;
    o.loops = 2;
    o.grace_period = std::chrono::seconds(10);
    routed = routed_server(site_caddyfile(root.string(), "\tphp_server"), o, &backend);
    server = routed.server.get();
    server->start();
    auto addr = server->addresses().at(0);
    port = std::stoi(addr.substr(addr.rfind(':') + 1));
  }
  ~TurnServer() {
    server->shutdown();
    CHECK(server->closed_cleanly());
    routed.server.reset();
    std::filesystem::remove_all(root);
  }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port) + path; }
};

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

std::string pipelined(const std::string& tag, int n) {
  std::string req;
  for (int i = 0; i < n; ++i)
    req += "GET /a.php?" + tag + "=" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n" +
           (i + 1 == n ? "Connection: close\r\n" : "") + "\r\n";
  return req;
}

// n responses, each "answer <tag>=<i>", in order.
void check_pipelined(const std::string& data, const std::string& tag, int n) {
  CHECK(count(data, "HTTP/1.1 200 OK") == size_t(n));
  size_t pos = 0;
  for (int i = 0; i < n; ++i) {
    CAPTURE(i);
    auto at = data.find("answer " + tag + "=" + std::to_string(i) + "HTTP/", pos);
    if (i + 1 == n) at = data.find("answer " + tag + "=" + std::to_string(i), pos);
    REQUIRE(at != std::string::npos);
    pos = at;
  }
}

void run_turn_scenarios(bool on_loop) {
  TurnServer t(on_loop);
  TurnBackend& b = t.backend;
  int expected = 0;

  SUBCASE("keep-alive requests one after another") {
    CurlClient c;
    for (int i = 0; i < 20; ++i) {
      auto r = c.perform(t.url("/a.php?seq=" + std::to_string(i)));
      CHECK(r.code == CURLE_OK);
      CHECK(r.status == 200);
      CHECK(r.body == "answer seq=" + std::to_string(i));
      if (r.code != CURLE_OK) break;  // unanswered: the rest would time out the same way
    }
    expected = 20;
  }

  SUBCASE("pipelined requests on one connection") {
    auto r = raw_roundtrip(t.port, pipelined("p", 10));
    CHECK(r.closed);
    check_pipelined(r.data, "p", 10);
    expected = 10;
  }

  SUBCASE("pipelined requests sent in pieces") {
    // The second half arrives while the first is being answered: hand-offs from later turns.
    RawClient c(t.port);
    REQUIRE(c.ok());
    std::string req = pipelined("s", 8);
    c.send(req.substr(0, req.size() / 2));
    auto first = c.read_until([](const std::string& d) { return count(d, "HTTP/1.1 200 OK") >= 1; });
    CHECK(count(first.data, "HTTP/1.1 200 OK") >= 1);
    c.send(req.substr(req.size() / 2));
    auto rest = c.read_to_eof();
    CHECK(rest.closed);
    check_pipelined(first.data + rest.data, "s", 8);
    expected = 8;
  }

  SUBCASE("a pipelined request after a streamed static file") {
    // The file goes out chunk by chunk from write callbacks; the request after it is parsed and
    // handed over from the last of them. A write that completed at once has its callback run in
    // libuv's pending phase, before uv_prepare: only the before-blocking end of turn announces it.
    std::string req;
    for (int i = 0; i < 3; ++i)
      req += "GET /big.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /a.php?f=" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n" +
             (i == 2 ? "Connection: close\r\n" : "") + "\r\n";
    auto r = raw_roundtrip(t.port, req);
    CHECK(r.closed);
    CHECK(count(r.data, "HTTP/1.1 200 OK") == 6);
    CHECK(r.data.size() > 3 * kBigFile);
    size_t pos = 0;
    for (int i = 0; i < 3; ++i) {
      CAPTURE(i);
      auto at = r.data.find("answer f=" + std::to_string(i), pos);
      REQUIRE(at != std::string::npos);
      pos = at;
    }
    expected = 3;
  }

  SUBCASE("concurrent connections, keep-alive and pipelined") {
    constexpr int kCurl = 6, kPerCurl = 25, kRaw = 4, kPerRaw = 6;
    std::vector<std::thread> clients;
    std::atomic<int> ok{0};
    for (int k = 0; k < kCurl; ++k)
      clients.emplace_back([&, k] {
        CurlClient c;
        for (int i = 0; i < kPerCurl; ++i) {
          std::string q = "c" + std::to_string(k) + "=" + std::to_string(i);
          auto r = c.perform(t.url("/a.php?" + q));
          if (r.code != CURLE_OK) break;  // unanswered: the rest would time out the same way
          if (r.status == 200 && r.body == "answer " + q) ++ok;
        }
      });
    std::vector<RawResult> raw(kRaw);
    for (int k = 0; k < kRaw; ++k)
      clients.emplace_back([&, k] { raw[size_t(k)] = raw_roundtrip(t.port, pipelined("r" + std::to_string(k), kPerRaw)); });
    for (auto& th : clients) th.join();
    CHECK(ok.load() == kCurl * kPerCurl);
    for (int k = 0; k < kRaw; ++k) {
      CAPTURE(k);
      CHECK(raw[size_t(k)].closed);
      check_pipelined(raw[size_t(k)].data, "r" + std::to_string(k), kPerRaw);
    }
    expected = kCurl * kPerCurl + kRaw * kPerRaw;
  }

  CHECK(b.handed.load() == expected);
  CHECK(wait_for([&] { return b.answered.load() == expected; }));
  CHECK(b.direct_handles.load() == 0);
  CHECK(b.empty_turns.load() == 0);
  CHECK(b.turns.load() >= 1);
  CHECK(b.turns.load() <= b.handed.load());  // one end_of_turn per turn, however many it handed over
  CHECK(b.still_queued() == 0);
  MESSAGE("handed " << b.handed.load() << " in " << b.turns.load() << " turns, at most " << b.max_batch.load()
                    << " in one");
}

}  // namespace

TEST_CASE("loop turns: end_of_turn() answers what handle_in_turn() queued (answered on the loop thread)") {
  run_turn_scenarios(true);
}

TEST_CASE("loop turns: end_of_turn() answers what handle_in_turn() queued (answered on a helper thread)") {
  run_turn_scenarios(false);
}
