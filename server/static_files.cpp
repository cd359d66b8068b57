#include "server/static_files.h"

#include <cerrno>

#include "server/http_date.h"
#include "server/http_text.h"
#include "server/path_safety.h"
#include "server/range.h"

namespace pogo::server {

namespace {

std::string base36(uint64_t v) {
  if (v == 0) return "0";
  char buf[16];
  int i = 16;
  while (v) {
    buf[--i] = "0123456789abcdefghijklmnopqrstuvwxyz"[v % 36];
    v /= 36;
  }
  return std::string(buf + i, buf + 16);
}

std::string_view strip_weak(std::string_view tag) { return tag.starts_with("W/") ? tag.substr(2) : tag; }

StaticResponse simple(int status) {
  StaticResponse r;
  r.head.status = status;
  return r;
}

// The loop thread's header list for static heads, given back by recycle_static_headers(): its
// elements' strings keep their capacity, so a warm hit's head is written without allocating.
thread_local std::vector<Header> t_spare_headers;
thread_local std::string t_spare_path;  // the same for ServeFile's path (take_path_buffer)

void put(std::vector<Header>& h, size_t& n, std::string_view name, std::string_view value) {
  if (n < h.size()) {
    h[n].name.assign(name);
    h[n].value.assign(value);
  } else {
    h.push_back(Header{std::string(name), std::string(value)});
  }
  ++n;
}

}  // namespace

void recycle_static_headers(std::vector<Header>&& headers) {
  if (headers.capacity() > t_spare_headers.capacity()) t_spare_headers = std::move(headers);
}

std::string take_path_buffer() {
  std::string s;
  s.swap(t_spare_path);
  s.clear();
  return s;
}

void recycle_path_buffer(std::string&& path) {
  if (path.capacity() > t_spare_path.capacity()) t_spare_path = std::move(path);
}

std::string make_etag(const struct stat& st) {
  uint64_t ns = uint64_t(st.st_mtim.tv_sec) * 1000000000ull + uint64_t(st.st_mtim.tv_nsec);
  return "\"" + base36(ns) + base36(uint64_t(st.st_size)) + "\"";
}

bool etag_list_matches(std::string_view list, std::string_view etag) {
  list = trim_ows(list);
  if (list == "*") return true;
  while (!list.empty()) {
    auto comma = list.find(',');
    std::string_view tag = trim_ows(list.substr(0, comma));
    if (!tag.empty() && strip_weak(tag) == strip_weak(etag)) return true;
    if (comma == std::string_view::npos) break;
    list = list.substr(comma + 1);
  }
  return false;
}

StaticResponse plan_static_response(const RequestHead& req, const std::string& file, FileCache& cache) {
  bool head_method = req.method == "HEAD";
  if (req.method != "GET" && !head_method) {
    StaticResponse r = simple(405);
    r.head.headers.push_back({"Allow", "GET, HEAD"});
    return r;
  }
  if (has_php_extension(file)) return simple(404);
  int error = 0;
  std::shared_ptr<const CachedFile> f = cache.file(file, &error);
  if (!f) return simple(error == EACCES ? 403 : 404);
  const struct stat& st = f->st;
  uint64_t size = uint64_t(st.st_size);
  const std::string& etag = f->etag;

  StaticResponse r;
  auto& h = r.head.headers;
  h.swap(t_spare_headers);  // the last static head's list, its strings' capacity kept
  size_t n = 0;

  // Conditionals (RFC 9110 13.2.2): If-None-Match wins over If-Modified-Since.
  bool not_modified = false;
  if (const auto* inm = req.header("If-None-Match")) {
    not_modified = etag_list_matches(*inm, etag);
  } else if (const auto* ims = req.header("If-Modified-Since")) {
    auto t = parse_http_date(*ims);
    not_modified = t && st.st_mtim.tv_sec <= *t;
  }
  if (!not_modified) put(h, n, "Content-Type", f->content_type);
  put(h, n, "Accept-Ranges", "bytes");
  put(h, n, "Etag", etag);
  put(h, n, "Last-Modified", f->last_modified);
  if (not_modified) {
    h.resize(n);
    r.head.status = 304;
    return r;
  }
  r.head.status = 200;
  r.offset = 0;
  r.length = size;
  const auto* range = req.header("Range");
  if (range) {
    if (const auto* if_range = req.header("If-Range")) {
      std::string_view v = trim_ows(*if_range);
      bool fresh = v.starts_with("\"") ? v == etag : (parse_http_date(v) == st.st_mtim.tv_sec);
      if (!fresh) range = nullptr;
    }
  }
  if (range) {
    RangeResult rr = parse_range(*range, size);
    if (rr.kind == RangeResult::Unsatisfiable) {
      StaticResponse u = simple(416);
      u.head.headers.push_back({"Content-Range", "bytes */" + std::to_string(size)});
      u.content_length = 0;
      return u;
    }
    if (rr.kind == RangeResult::Partial) {
      r.head.status = 206;
      r.offset = rr.offset;
      r.length = rr.length;
      put(h, n, "Content-Range", "bytes " + std::to_string(rr.offset) + "-" +
                                     std::to_string(rr.offset + rr.length - 1) + "/" + std::to_string(size));
    }
  }
  h.resize(n);
  r.content_length = r.length;
  if (head_method || r.length == 0) {
    r.length = 0;
  } else if (f->body) {
    r.body = f->body;
  } else {
    r.fd = f->dup_fd();
    if (r.fd < 0) return simple(errno == EACCES ? 403 : 404);
  }
  return r;
}

}  // namespace pogo::server
