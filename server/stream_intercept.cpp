// The response routes side of Stream: intercept's entries tried on the head of whatever answers
// (a file, a direct response, a backend's or an upstream's head), and reverse_proxy's
// handle_response (stream_proxy.cpp asks). A handle_response route answers "in place of whatever
// was coming", as handle_errors does: its Request is the one routing left (rewrites applied,
// root and variables kept), with the response's status and fields for `{resp.*}` / `{rp.*}`; the
// original body is dropped (an exchange's script runs on, its output discarded; an upstream is
// closed), and the answer goes through the route's filters plus the routes' own.
#include <algorithm>

#include "server/log.h"
#include "server/stream.h"

namespace pogo::server {

bool Stream::intercepted(ResponseHead& head, std::optional<uint64_t> length) {
  bool added_length = false;
  if (length && std::none_of(head.headers.begin(), head.headers.end(),
                             [](const Header& h) { return header_name_equals(h.name, "Content-Length"); })) {
    head.headers.push_back({"Content-Length", std::to_string(*length)});
    added_length = true;
  }
  for (size_t k = filters_.intercepts.size(); k-- > 0;) {
    const ResponseRoutes& routes = *filters_.intercepts[k];
    int i = routes.match(head.status, head.headers);
    if (i < 0) continue;
    if (int code = routes.replace_status(i)) {
      head.status = code;  // the next (outer) intercept sees the new status, as Caddy's would
      continue;
    }
    // The answer's own response is seen only by the intercepts around this one.
    if (answer_response(routes, i, head, false, k)) return true;
  }
  if (added_length) head.headers.pop_back();  // the framing adds it
  return false;
}

bool Stream::answer_response(const ResponseRoutes& routes, int entry, ResponseHead& head, bool from_proxy,
                             size_t kept) {
  // The routes get their own copy of the request: the producer may still hold it.
  RequestHead rh = ex_ ? ex_->head() : head_;
  HandledResponse seen{head.status, &head.headers, from_proxy};
  std::string original;
  FileMatchVars file_match;
  Request rq(rh, original, file_match);
  rq.original_path = original_path_;
  rq.root = error_root_;
  rq.vars = error_vars_;
  file_match = error_file_match_;
  rq.response = &seen;
  // Caddy's intercept answers through the same response writer: its fields are still there.
  if (!from_proxy) rq.filters.base_headers = head.headers;
  std::optional<Action> a = routes.answer(entry, rq);

  // What the routes asked of the response comes after what the request's routes asked.
  ResponseFilters& f = rq.filters;
  for (auto& ops : f.header_ops) filters_.header_ops.push_back(std::move(ops));
  if (f.encode) {
    filters_.encode = std::move(f.encode);
    filters_.encoding = std::move(f.encoding);
  }
  if (f.vulcain) filters_.vulcain = std::move(f.vulcain);
  if (!f.user_id.empty()) filters_.user_id = std::move(f.user_id);
  if (const auto* copy = a ? std::get_if<CopyResponse>(&*a) : nullptr; copy && from_proxy) {
    if (copy->status) head.status = copy->status;
    filters_.base_headers = std::move(f.base_headers);  // copy_response_headers', under the upstream's
    return false;
  }
  if (!a && !from_proxy) return false;  // nothing written: the intercepted response goes out after all
  // reverse_proxy's routes answered nothing: Caddy would go on with the handlers after the proxy;
  // Pogo's route ended at it, so the answer is what Caddy's end of the chain gives, an empty 200.
  if (!a) a = Respond{};
  log::debug("http", "handling response", {{"status", head.status}, {"uri", rh.uri}, {"reverse_proxy", from_proxy}});

  stop_sources(true);  // the producer's script runs to its end, unaware; an upstream is closed
  enc_.reset();
  const bool unread_body = rh.has_body && !body_ended_;
  rh.has_body = false;  // what is left of the body is nobody's now
  rh.content_length.reset();
  expects_continue_ = false;
  head_ = std::move(rh);
  if (unread_body) host_.stream_body_unused(*this);
  request_max_body_.reset();
  request_stream_body_ = false;
  filters_.intercepts.resize(kept);
  for (const ResponseRoutes* i : f.intercepts) filters_.intercepts.push_back(i);
  filters_.base_headers = std::move(f.base_headers);
  start(std::move(*a));
  return true;
}

}  // namespace pogo::server
