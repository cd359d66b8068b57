// UpstreamConn's response parsing over a real loopback socket: heads whose fields arrive split
// across reads, an empty value, trailers, an interim response, and one kept-alive connection
// whose next responses have more, then fewer fields than the last (their lines are reused in
// place, whatever the client did to them).
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "server/upstream_conn.h"

using namespace pogo::server;

namespace {

// The upstream: a thread answering each request (read up to its blank line) with the next
// response, written `step` bytes at a time so that fields and values arrive in pieces.
class FakeUpstream {
 public:
  FakeUpstream(std::vector<std::string> responses, size_t step) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(listen_fd_, 1) == 0);
    socklen_t len = sizeof a;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this, responses = std::move(responses), step] {
      int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) return;
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      std::string in;
      for (const std::string& r : responses) {
        char buf[4096];
        while (in.find("\r\n\r\n") == std::string::npos) {
          ssize_t n = ::read(fd, buf, sizeof buf);
          if (n <= 0) break;
          in.append(buf, size_t(n));
        }
        in.erase(0, in.find("\r\n\r\n") + 4);
        for (size_t at = 0; at < r.size(); at += step) {
          if (::write(fd, r.data() + at, std::min(step, r.size() - at)) <= 0) break;
          std::this_thread::sleep_for(std::chrono::microseconds(300));
        }
      }
      char rest[64];
      while (::read(fd, rest, sizeof rest) > 0) {
      }
      ::close(fd);
    });
  }
  ~FakeUpstream() {
    ::shutdown(listen_fd_, SHUT_RDWR);
    thread_.join();
    ::close(listen_fd_);
  }
  uint16_t port() const { return port_; }

 private:
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
};

struct Recorder : UpstreamConn::Client {
  std::vector<ResponseHead> heads, interims;
  std::string body;
  bool complete = false;
  std::string failed;
  bool strip_first = false;  // the client takes a line out before giving the head back

  void upstream_connected() override {}
  void upstream_failed(const std::string& what, bool) override { failed = what; }
  void upstream_interim(ResponseHead& h) override { interims.push_back(h); }
  void upstream_head(ResponseHead& h) override {
    heads.push_back(h);
    if (strip_first && !h.headers.empty()) h.headers.erase(h.headers.begin());  // as hop-by-hop stripping
    h.headers.push_back({"X-Added-By-Client", "a value past the small-string size"});
  }
  void upstream_upgraded(ResponseHead&) override {}
  void upstream_data(std::string_view d) override { body.append(d); }
  void upstream_complete() override { complete = true; }
  void upstream_drained() override {}
  void upstream_read_done() override {}
};

std::vector<std::string> lines(const ResponseHead& h) {
  std::vector<std::string> out;
  for (const auto& f : h.headers) out.push_back(f.name + "=" + f.value);
  return out;
}

}  // namespace

TEST_CASE("an upstream connection's heads, split across reads, reused line by line over keep-alive") {
  const std::vector<std::string> responses = {
      "HTTP/1.1 200 OK\r\nServer: up\r\nX-Empty:\r\nContent-Type: text/plain\r\n"
      "X-Long: a value longer than fifteen bytes\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n0\r\nX-Trailer: t\r\n\r\n",
      "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
      "HTTP/1.1 404 Not Found\r\nServer: up2\r\nX-A: 1\r\nX-B:\r\nX-C: a value longer than fifteen bytes again\r\n"
      "X-D: 4\r\nContent-Length: 3\r\n\r\nabc",
      "HTTP/1.1 204 No Content\r\nServer: u3\r\n\r\n",
  };
  for (size_t step : {size_t(1000), size_t(3)}) {
    CAPTURE(step);
    FakeUpstream up(responses, step);
    uv_loop_t loop;
    uv_loop_init(&loop);
    uv_timer_t tick;  // the loop wakes up now and then, whatever happens
    uv_timer_init(&loop, &tick);
    uv_timer_start(&tick, [](uv_timer_t*) {}, 10, 10);
    static char buf[1 << 16];
    Recorder rec;
    auto run_until_complete = [&] {
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (!rec.complete && rec.failed.empty() && std::chrono::steady_clock::now() < deadline)
        uv_run(&loop, UV_RUN_ONCE);
      REQUIRE(rec.failed.empty());
      REQUIRE(rec.complete);
    };
    UpstreamConn* c = UpstreamConn::dial(&loop, "127.0.0.1", up.port(), &rec, buf, sizeof buf, 5000);
    // The next request on the kept-alive connection, as a proxy call taking it from the pool.
    auto again = [&](const char* request) {
      rec.complete = false;
      rec.body.clear();
      c->attach(&rec, false);
      c->write(request);
      run_until_complete();
    };
    c->write("GET /1 HTTP/1.1\r\nHost: up\r\n\r\n");
    run_until_complete();
    REQUIRE(rec.heads.size() == 1);
    CHECK(rec.heads[0].status == 200);
    CHECK(lines(rec.heads[0]) == std::vector<std::string>{"Server=up", "X-Empty=", "Content-Type=text/plain",
                                                          "X-Long=a value longer than fifteen bytes",
                                                          "Transfer-Encoding=chunked"});
    CHECK(rec.body == "hello");
    REQUIRE(c->reusable());

    // More fields than the last head (which the client edited), an interim head first.
    rec.strip_first = true;
    again("GET /2 HTTP/1.1\r\nHost: up\r\n\r\n");
    REQUIRE(rec.interims.size() == 1);
    CHECK(rec.interims[0].status == 103);
    CHECK(lines(rec.interims[0]) == std::vector<std::string>{"Link=</a.css>; rel=preload"});
    REQUIRE(rec.heads.size() == 2);
    CHECK(rec.heads[1].status == 404);
    CHECK(lines(rec.heads[1]) == std::vector<std::string>{"Server=up2", "X-A=1", "X-B=",
                                                          "X-C=a value longer than fifteen bytes again", "X-D=4",
                                                          "Content-Length=3"});
    CHECK(rec.body == "abc");

    // Fewer.
    again("GET /3 HTTP/1.1\r\nHost: up\r\n\r\n");
    REQUIRE(rec.heads.size() == 3);
    CHECK(rec.heads[2].status == 204);
    CHECK(lines(rec.heads[2]) == std::vector<std::string>{"Server=u3"});

    c->close();
    uv_close(reinterpret_cast<uv_handle_t*>(&tick), nullptr);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(uv_loop_close(&loop) == 0);
  }
}
