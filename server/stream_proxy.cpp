// The reverse_proxy side of Stream: a ProxyCall runs the request against its upstream and reports
// here as the Sink; its response goes through the same filters and framing as a backend's
// (handle_event), and an upstream that fails before its head is a handler error (502, 504) that
// handle_errors may answer. The proxy's handle_response routes see its head first
// (stream_intercept.cpp): an answer of theirs retires the call; copy_response lets it go on.
#include "server/http_loop.h"
#include "server/log.h"
#include "server/stream.h"

namespace pogo::server {

void Stream::start_proxy(ToProxy p) {
  if (mx_) count_begin(metrics::HttpHandler::ReverseProxy);
  proxy_responses_ = p.responses;
  proxy_ = std::make_unique<ProxyCall>(hl_, static_cast<ProxyCall::Sink&>(*this), std::move(p), head_);
  // The upstream gets no Expect: the client is told to go on at once, as for a backend.
  if (expects_continue_) host_.stream_continue(*this);
  if (proxy_) proxy_->start();
}

void Stream::retire_proxy() {
  if (!proxy_) return;
  proxy_->abort();
  // The call may be on the stack below us (its callback ended the response): freed at the end of
  // this loop turn.
  hl_.retire(std::move(proxy_));
}

bool Stream::body_wanted() {
  if (proxy_) return proxy_->body_wants_more();
  return ex_ && ex_->body_wants_more();
}

void Stream::proxy_interim(ResponseHead& head) {
  Exchange::Event ev{Exchange::Event::Interim, std::move(head), {}};
  handle_event(ev);
}

void Stream::proxy_head(ResponseHead& head) {
  // handle_response and replace_status first: the proxy's own, inside any intercept around it.
  if (proxy_responses_ && !response_started_ && !deferring_ && !vulcain_holding_) {
    const ResponseRoutes& routes = *proxy_responses_;
    if (int i = routes.match(head.status, head.headers); i >= 0) {
      if (int code = routes.replace_status(i))
        head.status = code;
      else if (answer_response(routes, i, head, true, filters_.intercepts.size()))
        return;  // the call was retired: nothing more comes from it
    }
  }
  Exchange::Event ev{Exchange::Event::Head, std::move(head), {}};
  handle_event(ev);
  // What is left of the head goes back to the upstream connection, whose next response reuses
  // the strings (the response went out; a held head, encode's or vulcain's, took its own).
  head.headers = std::move(ev.head.headers);
}

void Stream::proxy_upgrade(ResponseHead& head) {
  if (!active_ || response_started_) return;
  // Only header operations apply to a switch of protocols: nothing encodes or holds a tunnel.
  status_ = head.status;
  if (!filters_.header_ops.empty()) HeaderOps::apply_all(filters_.header_ops, head.headers);
  if (filters_.access_log) resp_headers_ = head.headers;
  if (!host_.stream_upgrade(*this, head)) {
    proxy_failed(502, "the client's connection cannot switch protocols");
    return;
  }
  if (mx_) mx_head_at_ = std::chrono::steady_clock::now();
  framing_ = Framing{Framing::UntilClose, 0, false};
  response_started_ = true;
}

bool Stream::tunnel_data(const char* data, size_t n) {
  if (!proxy_ || response_done_) return true;  // the tunnel is closing: dropped
  body_bytes_ += n;
  return proxy_->push_body(data, n);
}

bool Stream::proxy_data(std::string_view data) {
  if (!active_ || response_done_) return false;
  on_response_data(data);
  return host_.stream_blocked(*this);
}

void Stream::proxy_flush() {
  if (active_ && !response_done_) flush();
}

void Stream::proxy_end() {
  Exchange::Event ev{Exchange::Event::End, {}, {}};
  handle_event(ev);
  response_complete();
}

void Stream::proxy_failed(int status, const std::string& message) {
  if (response_started_) {  // the head went out: the client must see the response was cut
    host_.stream_failed(*this);
    return;
  }
  // A head held back (encode's minimum length, vulcain) is dropped with the rest.
  deferring_ = false;
  deferred_body_.clear();
  vulcain_holding_ = false;
  vulcain_body_.clear();
  mx_error_ = true;
  retire_proxy();
  if (head_.has_body) host_.stream_body_unused(*this);  // the rest of it is not worth forwarding
  start(make_handler_error(status, message));
}

void Stream::proxy_body_wanted() { host_.stream_body_wanted(*this); }

}  // namespace pogo::server
