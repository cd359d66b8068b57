#include "tests/sapi/harness.h"

#include <sys/time.h>

#include <cstdlib>
#include <stdexcept>
#include <thread>

#include "sapi/engine.h"

namespace pogo::sapi::test {

namespace {

std::vector<std::pair<std::string, std::string>> g_extra_ini;

struct Engine {
  Engine() {
    EngineOptions opts;
    // Keep the tests independent of a php.ini on the machine.
    ::setenv("PHPRC", "/nonexistent-pogo-test", 1);
    ::setenv("PHP_INI_SCAN_DIR", "", 1);
    opts.ini = {{"session.save_path", "/tmp"}};
    opts.ini.insert(opts.ini.end(), g_extra_ini.begin(), g_extra_ini.end());
    engine_start(opts);
  }
  ~Engine() {
    if (backend) backend->stop();
    backend.reset();
    engine_stop();
  }
  std::unique_ptr<PhpBackend> backend;
};

Engine& engine() {
  static Engine e;
  return e;
}

double now_seconds() {
  timeval tv{};
  gettimeofday(&tv, nullptr);
  return double(tv.tv_sec) + double(tv.tv_usec) / 1e6;
}

}  // namespace

void configure_engine(std::vector<std::pair<std::string, std::string>> extra_ini) {
  g_extra_ini = std::move(extra_ini);
}

void ensure_engine() { engine(); }

PhpBackend& shared_backend() {
  Engine& e = engine();
  if (!e.backend) e.backend = std::make_unique<PhpBackend>(4);
  return *e.backend;
}

std::string fixtures_dir() { return std::string(POGO_SOURCE_DIR) + "/tests/sapi/fixtures"; }

server::RequestHead make_head(const std::string& method, const std::string& script, const std::string& query,
                              std::vector<server::Header> headers) {
  server::RequestHead h;
  h.method = method;
  h.path = "/" + script;
  h.query = query;
  h.uri = h.path + (query.empty() ? "" : "?" + query);
  h.headers = std::move(headers);
  bool has_host = false;
  for (const auto& hd : h.headers) has_host |= server::header_name_equals(hd.name, "host");
  if (!has_host) h.headers.insert(h.headers.begin(), {"Host", "localhost:8080"});
  h.remote_addr = "127.0.0.1";
  h.remote_port = 54321;
  h.local_addr = "127.0.0.1";
  h.local_port = 8080;
  h.request_time = now_seconds();
  h.document_root = fixtures_dir();
  h.script_filename = fixtures_dir() + "/" + script;
  h.script_name = "/" + script;
  return h;
}

const std::string* Response::header(const std::string& name) const {
  for (const auto& h : headers)
    if (server::header_name_equals(h.name, name)) return &h.value;
  return nullptr;
}

size_t Response::header_count(const std::string& name) const {
  size_t n = 0;
  for (const auto& h : headers) n += server::header_name_equals(h.name, name);
  return n;
}

Driver::Driver(server::RequestHead head, std::string body, bool manual_body) : body_(std::move(body)) {
  if (!body_.empty() && !head.content_length && !head.header("Transfer-Encoding")) {
    head.content_length = body_.size();
    head.headers.push_back({"Content-Length", std::to_string(body_.size())});
  }
  head.has_body = !body_.empty() || manual_body;
  ex_ = std::make_shared<server::Exchange>(std::move(head), [] {});
  if (!ex_->head().has_body) ex_->end_body(true);
  body_ended_ = manual_body || !ex_->head().has_body;
}

bool Driver::turn() {
  ex_->begin_loop_turn();
  if (!body_ended_ && (!body_paused_ || ex_->body_wants_more())) {
    body_paused_ = false;
    while (body_off_ < body_.size()) {
      size_t n = std::min<size_t>(64 << 10, body_.size() - body_off_);
      bool more = ex_->push_body(body_.data() + body_off_, n) == server::Exchange::Push::More;
      body_off_ += n;
      if (!more) {
        body_paused_ = true;
        break;
      }
    }
    if (body_off_ == body_.size()) {
      ex_->end_body(true);
      body_ended_ = true;
    }
  }
  server::Exchange::EventQueue events;
  ex_->take_events(events);
  size_t written = 0;
  for (auto& e : events) {
    resp_.kinds.push_back(e.kind);
    switch (e.kind) {
      case server::Exchange::Event::Interim: break;
      case server::Exchange::Event::Head:
        resp_.status = e.head.status;
        resp_.headers = std::move(e.head.headers);
        break;
      case server::Exchange::Event::Data:
        written += e.data.size();
        resp_.body += e.data;
        resp_.chunks.push_back(std::move(e.data));
        break;
      case server::Exchange::Event::Spooled: {
        std::string piece(size_t(e.spooled), '\0');
        size_t got = 0;
        while (got < piece.size()) {
          size_t n = ex_->read_spooled(piece.data() + got, piece.size() - got);
          if (n == 0) throw std::runtime_error("reading the response spool failed");
          got += n;
        }
        resp_.body += piece;
        resp_.chunks.push_back(std::move(piece));
        break;
      }
      case server::Exchange::Event::End: resp_.ended = true; break;
      case server::Exchange::Event::Failed:  // an abrupt end: the stream would close the connection
        resp_.ended = true;
        resp_.failed = true;
        break;
    }
  }
  if (written) ex_->bytes_written(written);
  return !events.empty();
}

void Driver::nap() { std::this_thread::sleep_for(std::chrono::milliseconds(1)); }

Response& Driver::wait(std::chrono::seconds timeout) {
  if (!wait_until([](const Response& r) { return r.ended; }, timeout))
    throw std::runtime_error("response did not end in time: " + ex_->head().uri);
  return resp_;
}

Response run(server::RequestHead head, std::string body, PhpBackend* backend) {
  Driver d(std::move(head), std::move(body));
  (backend ? *backend : shared_backend()).handle(d.exchange());
  return d.wait();
}

}  // namespace pogo::sapi::test
