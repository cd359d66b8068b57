// libFuzzer target: an H2Session fed a valid client preface, then arbitrary bytes at arbitrary
// split points, with a handler that answers every request (at once, or after the body) and
// consumes every body byte. Input: a split size byte (0: all at once), a mode byte (below),
// then the bytes that follow the 24-byte preface.
// Invariants fail loudly: the handler's calls come in a valid order for delivered streams only
// (on_request once, body calls only with has_body, on_body_end once, on_stream_closed once and
// last), a failed receive() stays failed and wants to close, open_streams() covers every live
// delivered stream. ASan/UBSan check the rest, leaks included.
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>

#include "server/h2_session.h"

namespace {
using pogo::server::H2Session;
using pogo::server::RequestHead;
using pogo::server::ResponseHead;

constexpr char kPreface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

// Mode bits.
constexpr uint8_t kAnswerBeforeBody = 1;  // answer on the head even when a body follows
constexpr uint8_t kShutdownEarly = 2;     // shutdown_graceful() after the first request
constexpr uint8_t kSmallLimits = 4;       // tiny windows, lists and stream counts
constexpr uint8_t kBigResponses = 8;      // 100 KiB responses: flow control, on_writable
constexpr uint8_t kResetSome = 16;        // the application resets every third stream
constexpr uint8_t kTls = 32;              // the session is told the connection is TLS

void check(bool ok) {
  if (!ok) std::abort();
}

struct Answering : H2Session::Handler {
  struct Live {
    bool has_body = false, body_ended = false;
  };
  H2Session* s = nullptr;
  uint8_t mode = 0;
  std::map<int32_t, Live> live;
  int requests = 0;

  void answer(int32_t id) {
    ResponseHead r;
    r.status = 200;
    r.headers = {{"Content-Type", "text/plain"}, {"Connection", "close"}};
    s->submit_interim(id, ResponseHead{103, {{"Link", "</a>"}}});
    s->submit_response(id, r, false);
    s->submit_data(id, std::string((mode & kBigResponses) ? 100000 : 10, 'x'));
    s->submit_end(id);
  }
  void on_request(int32_t id, RequestHead head) override {
    check(id > 0 && !live.count(id));
    check(head.http_major == 2 && !head.method.empty() && !head.uri.empty());
    live[id].has_body = head.has_body;
    ++requests;
    if ((mode & kShutdownEarly) && requests == 1) s->shutdown_graceful();
    if ((mode & kResetSome) && requests % 3 == 0) {
      s->reset(id, 8 /* CANCEL */);
      return;
    }
    if (!head.has_body || (mode & kAnswerBeforeBody)) answer(id);
  }
  void on_body(int32_t id, const char*, size_t n) override {
    check(live.count(id) && live[id].has_body && !live[id].body_ended);
    s->consume(id, n);
  }
  void on_body_end(int32_t id) override {
    check(live.count(id) && live[id].has_body && !live[id].body_ended);
    live[id].body_ended = true;
    if (!(mode & kAnswerBeforeBody)) answer(id);
  }
  void on_stream_closed(int32_t id, uint32_t) override {
    check(live.erase(id) == 1);
    check(s->buffered(id) == 0);
  }
  void on_writable(int32_t id) override { check(live.count(id) == 1); }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  size_t split = data[0];
  uint8_t mode = data[1];
  std::string input(kPreface, sizeof kPreface - 1);
  input.append(reinterpret_cast<const char*>(data + 2), size - 2);

  H2Session::Limits limits;
  if (mode & kSmallLimits) {
    limits.max_concurrent_streams = 3;
    limits.max_header_list_size = 512;
    limits.initial_window = 100;
    limits.connection_window = 65535;
    limits.max_resets_per_window = 10;
    limits.low_water = 1000;
  }
  Answering handler;
  handler.mode = mode;
  {
    H2Session session(handler, limits, (mode & kTls) != 0);
    handler.s = &session;
    std::string out;
    bool ok = true;
    size_t step = split ? split : input.size();
    for (size_t off = 0; off < input.size(); off += step) {
      size_t len = std::min(step, input.size() - off);
      bool was_ok = ok;
      ok = session.receive(input.data() + off, len);
      check(was_ok || !ok);  // a connection error is final
      if (!ok) check(session.wants_close() && !session.error().empty());
      out.clear();
      session.take_output(out);
      check(session.open_streams() >= handler.live.size());
    }
  }
  return 0;
}
