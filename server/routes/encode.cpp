#include "server/routes/encode.h"

#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

#include "server/http_text.h"

namespace pogo::server {

namespace {

const std::string* find(const std::vector<Header>& hs, std::string_view name) {
  for (const auto& h : hs)
    if (header_name_equals(h.name, name)) return &h.value;
  return nullptr;
}

class Gzip final : public Compressor {
 public:
  explicit Gzip(int level) {
    // windowBits 15 + 16: a gzip wrapper, not zlib's
    if (deflateInit2(&z_, level > 0 ? level : Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
      throw std::runtime_error("deflateInit2 failed");
  }
  ~Gzip() override { deflateEnd(&z_); }
  std::string update(std::string_view data) override { return run(data, Z_SYNC_FLUSH); }
  std::string finish() override { return run({}, Z_FINISH); }

 private:
  std::string run(std::string_view data, int flush) {
    std::string out;
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z_.avail_in = uInt(data.size());
    char buf[16384];
    do {
      z_.next_out = reinterpret_cast<Bytef*>(buf);
      z_.avail_out = sizeof buf;
      int rc = deflate(&z_, flush);
      if (rc == Z_STREAM_ERROR) break;
      out.append(buf, sizeof buf - z_.avail_out);
      if (rc == Z_STREAM_END) break;
    } while (z_.avail_out == 0 || (flush == Z_FINISH));
    return out;
  }
  z_stream z_{};
};

class Zstd final : public Compressor {
 public:
  Zstd() : c_(ZSTD_createCCtx()) {
    if (!c_) throw std::runtime_error("ZSTD_createCCtx failed");
  }
  ~Zstd() override { ZSTD_freeCCtx(c_); }
  std::string update(std::string_view data) override { return run(data, ZSTD_e_flush); }
  std::string finish() override { return run({}, ZSTD_e_end); }

 private:
  std::string run(std::string_view data, ZSTD_EndDirective mode) {
    std::string out;
    ZSTD_inBuffer in{data.data(), data.size(), 0};
    char buf[16384];
    for (;;) {
      ZSTD_outBuffer o{buf, sizeof buf, 0};
      size_t left = ZSTD_compressStream2(c_, &o, &in, mode);
      if (ZSTD_isError(left)) break;
      out.append(buf, o.pos);
      if (left == 0 && in.pos == in.size) break;
    }
    return out;
  }
  ZSTD_CCtx* c_;
};

}  // namespace

std::string negotiate_encoding(std::string_view accept, const std::vector<std::string>& offered) {
  struct Pref {
    std::string name;
    double q;
  };
  std::vector<Pref> prefs;
  while (!accept.empty()) {
    auto comma = accept.find(',');
    std::string_view item = trim_ows(accept.substr(0, comma));
    accept = comma == std::string_view::npos ? std::string_view() : accept.substr(comma + 1);
    if (item.empty()) continue;
    double q = 1;
    auto semi = item.find(';');
    std::string name(trim_ows(item.substr(0, semi)));
    for (char& c : name) c = char(std::tolower(static_cast<unsigned char>(c)));
    if (semi != std::string_view::npos) {
      std::string_view param = trim_ows(item.substr(semi + 1));
      if (param.starts_with("q=") || param.starts_with("Q=")) q = std::atof(std::string(param.substr(2)).c_str());
    }
    if (name == "x-gzip") name = "gzip";
    prefs.push_back({name, q});
  }
  std::string best;
  double best_q = 0;
  for (const auto& enc : offered) {  // the server's order breaks ties
    double q = -1;
    for (const auto& p : prefs)
      if (p.name == enc) q = p.q;
    if (q < 0)
      for (const auto& p : prefs)
        if (p.name == "*") q = p.q;
    if (q > best_q) {
      best = enc;
      best_q = q;
    }
  }
  return best;
}

bool compressible_type(std::string_view ct) {
  std::string t(trim_ows(ct.substr(0, ct.find(';'))));
  for (char& c : t) c = char(std::tolower(static_cast<unsigned char>(c)));
  static const char* const exact_or_prefix[] = {
      "application/json", "application/javascript", "application/x-javascript", "application/ecmascript",
      "application/xhtml+xml", "application/atom+xml", "application/rss+xml", "application/xml",
      "application/ld+json", "application/manifest+json", "application/vnd.api+json", "application/wasm",
      "application/x-font-", "application/vnd.ms-fontobject", "application/x-httpd-cgi", "application/x-perl",
      "application/x-sh", "application/toml", "application/graphql", "application/problem+json",
      "image/svg+xml", "image/x-icon", "image/vnd.microsoft.icon", "image/bmp", "font/", "text/",
      "multipart/bag", "multipart/mixed"};
  for (const char* p : exact_or_prefix)
    if (t.starts_with(p)) return true;
  return false;
}

bool should_encode(int status, const std::vector<Header>& headers, std::optional<uint64_t> length,
                   uint64_t minimum_length) {
  if (status < 200 || status == 204 || status == 206 || status == 304) return false;
  if (find(headers, "Content-Encoding")) return false;
  const std::string* ct = find(headers, "Content-Type");
  if (!ct || !compressible_type(*ct)) return false;
  if (const std::string* cc = find(headers, "Cache-Control"); cc && cc->find("no-transform") != std::string::npos)
    return false;
  if (length && *length < minimum_length) return false;
  return true;
}

std::unique_ptr<Compressor> make_compressor(const std::string& encoding, int gzip_level) {
  if (encoding == "gzip") return std::make_unique<Gzip>(gzip_level);
  if (encoding == "zstd") return std::make_unique<Zstd>();
  return nullptr;
}

void add_vary_accept_encoding(std::vector<Header>& headers) {
  for (auto& h : headers) {
    if (!header_name_equals(h.name, "Vary")) continue;
    if (h.value.find("Accept-Encoding") != std::string::npos || h.value.find("accept-encoding") != std::string::npos)
      return;
  }
  headers.push_back({"Vary", "Accept-Encoding"});
}

}  // namespace pogo::server
