#include "server/compress.h"

#include <brotli/encode.h>
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

// Caddy's gzip level when none is given.
constexpr int kDefaultGzipLevel = 5;
// caddy-cbrotli's default quality (FrankenPHP's brotli encoder).
constexpr int kDefaultBrotliQuality = 6;
// Caddy limits zstd's window to 128 KiB to spare clients' memory; so does Pogo.
constexpr int kZstdWindowLog = 17;

class Gzip final : public Compressor {
 public:
  explicit Gzip(int level) {
    // windowBits 15 + 16: a gzip wrapper, not zlib's
    if (deflateInit2(&z_, level > 0 ? level : kDefaultGzipLevel, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
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
  Zstd(const std::string& level, bool checksum) : c_(ZSTD_createCCtx()) {
    if (!c_) throw std::runtime_error("ZSTD_createCCtx failed");
    // Caddy's named levels, as its zstd library maps them onto the reference levels.
    int l = level == "fastest" ? 1 : level == "better" ? 7 : level == "best" ? 11 : 3;
    if (ZSTD_isError(ZSTD_CCtx_setParameter(c_, ZSTD_c_compressionLevel, l)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(c_, ZSTD_c_windowLog, kZstdWindowLog)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(c_, ZSTD_c_checksumFlag, checksum ? 1 : 0))) {
      ZSTD_freeCCtx(c_);
      throw std::runtime_error("ZSTD_CCtx_setParameter failed");
    }
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

// Brotli's streaming encoder: every update ends with BROTLI_OPERATION_FLUSH, so what was
// compressed so far is decodable by the client at once (as gzip's Z_SYNC_FLUSH).
class Brotli final : public Compressor {
 public:
  Brotli(int quality, int window) : s_(BrotliEncoderCreateInstance(nullptr, nullptr, nullptr)) {
    if (!s_) throw std::runtime_error("BrotliEncoderCreateInstance failed");
    bool ok = BrotliEncoderSetParameter(s_, BROTLI_PARAM_QUALITY, uint32_t(quality >= 0 ? quality : kDefaultBrotliQuality));
    if (window > 0) ok = ok && BrotliEncoderSetParameter(s_, BROTLI_PARAM_LGWIN, uint32_t(window));
    if (!ok) {
      BrotliEncoderDestroyInstance(s_);
      throw std::runtime_error("BrotliEncoderSetParameter failed");
    }
  }
  ~Brotli() override { BrotliEncoderDestroyInstance(s_); }
  std::string update(std::string_view data) override { return run(data, BROTLI_OPERATION_FLUSH); }
  std::string finish() override { return run({}, BROTLI_OPERATION_FINISH); }

 private:
  std::string run(std::string_view data, BrotliEncoderOperation op) {
    std::string out;
    size_t avail_in = data.size();
    const uint8_t* next_in = reinterpret_cast<const uint8_t*>(data.data());
    uint8_t buf[16384];
    for (;;) {
      size_t avail_out = sizeof buf;
      uint8_t* next_out = buf;
      if (!BrotliEncoderCompressStream(s_, op, &avail_in, &next_in, &avail_out, &next_out, nullptr))
        throw std::runtime_error("BrotliEncoderCompressStream failed");
      out.append(reinterpret_cast<const char*>(buf), sizeof buf - avail_out);
      if (avail_in == 0 && !BrotliEncoderHasMoreOutput(s_) &&
          (op != BROTLI_OPERATION_FINISH || BrotliEncoderIsFinished(s_)))
        break;
    }
    return out;
  }
  BrotliEncoderState* s_;
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
  // Caddy's default `match` (modules/caddyhttp/encode): header value patterns, so case-sensitive
  // and prefix matches ("application/json*" also takes "application/json; charset=utf-8").
  static const char* const patterns[] = {
      "application/atom+xml*",     "application/eot*",          "application/font*",
      "application/geo+json*",     "application/graphql+json*", "application/javascript*",
      "application/json*",         "application/ld+json*",      "application/manifest+json*",
      "application/opentype*",     "application/otf*",          "application/rss+xml*",
      "application/truetype*",     "application/ttf*",          "application/vnd.api+json*",
      "application/vnd.ms-fontobject*", "application/wasm*",    "application/x-httpd-cgi*",
      "application/x-javascript*", "application/x-opentype*",   "application/x-otf*",
      "application/x-perl*",       "application/x-protobuf*",   "application/x-ttf*",
      "application/xhtml+xml*",    "application/xml*",          "font/ttf*",
      "font/otf*",                 "image/svg+xml*",            "image/vnd.microsoft.icon*",
      "image/x-icon*",             "multipart/bag*",            "multipart/mixed*",
      "text/*"};
  for (const char* p : patterns)
    if (value_pattern_matches(p, ct)) return true;
  return false;
}

bool response_matches(const caddyfile::ResponseMatcherSpec& m, int status, const std::vector<Header>& headers) {
  if (!m.status_codes.empty()) {
    bool any = false;
    for (int c : m.status_codes) any = any || (c < 10 ? status / 100 == c : status == c);
    if (!any) return false;
  }
  for (const auto& [field, values] : m.headers) {
    if (field.starts_with("!")) {
      if (find(headers, std::string_view(field).substr(1))) return false;
      continue;
    }
    bool present = false, any = values.empty();
    for (const auto& h : headers) {
      if (!header_name_equals(h.name, field)) continue;
      present = true;
      for (const auto& v : values) any = any || value_pattern_matches(v, h.value);
    }
    if (!present || !any) return false;
  }
  return true;
}

bool should_encode(int status, const std::vector<Header>& headers, std::optional<uint64_t> length,
                   const caddyfile::EncodeSpec& spec) {
  if (status < 200 || status == 204 || status == 206 || status == 304) return false;
  if (find(headers, "Content-Encoding")) return false;
  if (const std::string* cc = find(headers, "Cache-Control"); cc && cc->find("no-transform") != std::string::npos)
    return false;
  // Caddy encodes only a body longer than minimum_length.
  if (length && *length <= spec.minimum_length) return false;
  if (spec.match) return response_matches(*spec.match, status, headers);
  const std::string* ct = find(headers, "Content-Type");
  return ct && compressible_type(*ct);
}

std::unique_ptr<Compressor> make_compressor(const std::string& encoding, const caddyfile::EncodeSpec& options) {
  if (encoding == "gzip") return std::make_unique<Gzip>(options.gzip_level);
  if (encoding == "zstd") return std::make_unique<Zstd>(options.zstd_level, options.zstd_checksum);
  if (encoding == "br") return std::make_unique<Brotli>(options.br_quality, options.br_window);
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
