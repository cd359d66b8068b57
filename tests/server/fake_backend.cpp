#include "fake_backend.h"

#include <chrono>

using pogo::server::Exchange;
using pogo::server::ResponseHead;

void FakeBackend::handle(std::shared_ptr<Exchange> ex) {
  ++started;
  std::lock_guard lk(mu_);
  threads_.emplace_back([this, ex] { run(ex); });
}

bool FakeBackend::big_write_blocked() const {
  // Evidence of backpressure: only a full response pipe keeps write() waiting this long.
  int64_t since = big_write_since.load();
  return since != 0 &&
         std::chrono::steady_clock::now().time_since_epoch().count() - since > int64_t(100'000'000);
}

void FakeBackend::join() {
  std::vector<std::thread> ts;
  {
    std::lock_guard lk(mu_);
    ts.swap(threads_);
  }
  for (auto& t : ts) t.join();
}

void FakeBackend::run(const std::shared_ptr<Exchange>& ex) {
  const auto& h = ex->head();
  const std::string& script = h.script_name;
  if (script == "/echo.php") {
    std::string body;
    char buf[8192];
    for (;;) {
      size_t n = ex->read_body(buf, sizeof buf);
      if (n == 0) break;
      body.append(buf, n);
    }
    last_body_size = body.size();
    ResponseHead head{200, {{"Content-Type", "text/plain"}, {"X-Body-Complete", ex->body_complete() ? "1" : "0"}}};
    ex->send_head(head);
    ex->write("method=" + h.method + " path=" + h.path + " info=" + h.path_info + " query=" + h.query +
              " body=" + std::to_string(body.size()) + " script=" + h.script_filename + " remote=" + h.remote_addr);
  } else if (script == "/stream.php") {
    ex->write("first");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ex->write("second");
  } else if (script == "/big.php") {
    std::string chunk(64 << 10, 'z');
    for (int i = 0; i < 320 && !ex->aborted(); ++i) {
      big_write_since = std::chrono::steady_clock::now().time_since_epoch().count();
      bool ok = ex->write(chunk);
      big_write_since = 0;
      if (!ok) {
        ++aborted;
        break;
      }
      big_produced += chunk.size();
    }
  } else if (script == "/head.php") {
    {
      std::lock_guard lk(mu_);
      last_head_ = h;
    }
    ex->write("ok");
  } else if (script == "/short.php") {
    ex->send_head(ResponseHead{200, {{"Content-Length", "10"}}});
    ex->write("12345");
  } else if (script == "/length.php") {
    ex->send_head(ResponseHead{200, {{"Content-Length", "5"}}});
    ex->write("hello");
  } else if (script == "/early.php") {
    ex->send_interim(ResponseHead{103, {{"Link", "</style.css>; rel=preload"}}});
    ex->send_head(ResponseHead{200, {{"Content-Type", "text/plain"}}});
    ex->write("after hints");
  } else if (script == "/slow.php") {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    ex->write("slow done");
  } else if (script == "/forever.php") {
    std::string chunk(16 << 10, 'f');
    while (ex->write(chunk)) {
    }
    if (ex->aborted()) ++aborted;
  } else {
    ex->write("index" + h.path_info);
  }
  ex->finish();
  ++finished;
}
