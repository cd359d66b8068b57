#include "h2_client.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace pogo::server::test {

namespace {
H2Client& self(void* ud) { return *static_cast<H2Client*>(ud); }

int on_header(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name, size_t namelen,
              const uint8_t* value, size_t valuelen, uint8_t, void* ud) {
  auto& st = self(ud).streams[frame->hd.stream_id];
  std::string n(reinterpret_cast<const char*>(name), namelen), v(reinterpret_cast<const char*>(value), valuelen);
  if (n == ":status") {
    st.statuses.push_back(std::stoi(v));
    st.headers.clear();  // keep the final response's fields only
  } else {
    st.headers.emplace_back(std::move(n), std::move(v));
  }
  return 0;
}

int on_frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* ud) {
  auto& c = self(ud);
  if (frame->hd.type == NGHTTP2_HEADERS && (frame->hd.flags & NGHTTP2_FLAG_END_STREAM))
    c.streams[frame->hd.stream_id].headers_end_stream = true;
  if (frame->hd.type == NGHTTP2_GOAWAY) {
    c.goaway = true;
    c.goaway_code = frame->goaway.error_code;
    c.goaway_last_stream = frame->goaway.last_stream_id;
  }
  return 0;
}

int on_data(nghttp2_session*, uint8_t, int32_t id, const uint8_t* data, size_t len, void* ud) {
  self(ud).streams[id].body.append(reinterpret_cast<const char*>(data), len);
  self(ud).data_received += len;
  return 0;
}

int on_close(nghttp2_session*, int32_t id, uint32_t code, void* ud) {
  auto& st = self(ud).streams[id];
  st.closed = true;
  st.close_code = code;
  return 0;
}

ssize_t read_upload(nghttp2_session*, int32_t id, uint8_t* buf, size_t length, uint32_t* flags,
                    nghttp2_data_source*, void* ud) {
  auto& c = self(ud);
  auto& [body, off] = c.uploads[id];
  size_t n = std::min({length, body.size() - off, c.upload_chunk});
  std::memcpy(buf, body.data() + off, n);
  off += n;
  if (off == body.size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
  return ssize_t(n);
}
}  // namespace

H2Client::H2Client(Options options) {
  nghttp2_session_callbacks* cbs = nullptr;
  nghttp2_session_callbacks_new(&cbs);
  nghttp2_session_callbacks_set_on_header_callback(cbs, on_header);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, on_frame_recv);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, on_data);
  nghttp2_session_callbacks_set_on_stream_close_callback(cbs, on_close);
  nghttp2_option* opt = nullptr;
  nghttp2_option_new(&opt);
  if (options.manual_window) nghttp2_option_set_no_auto_window_update(opt, 1);
  if (options.max_send_header_block) nghttp2_option_set_max_send_header_block_length(opt, options.max_send_header_block);
  if (nghttp2_session_client_new2(&session, cbs, this, opt) != 0) throw std::runtime_error("nghttp2 client");
  nghttp2_option_del(opt);
  nghttp2_session_callbacks_del(cbs);
  nghttp2_settings_entry iv[] = {{NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, options.initial_window}};
  nghttp2_submit_settings(session, NGHTTP2_FLAG_NONE, iv, 1);
}

H2Client::~H2Client() { nghttp2_session_del(session); }

int32_t H2Client::request(const Fields& fields, const std::string* body, size_t chunk) {
  // Names go out as given (nghttp2 lower-cases the names it copies): kept until the session ends.
  std::vector<nghttp2_nv> nva;
  for (const auto& [n, v] : fields) {
    const std::string& name = kept_names.emplace_back(n);
    nva.push_back(nghttp2_nv{const_cast<uint8_t*>(reinterpret_cast<const uint8_t*>(name.data())),
                             const_cast<uint8_t*>(reinterpret_cast<const uint8_t*>(v.data())), name.size(), v.size(),
                             NGHTTP2_NV_FLAG_NO_COPY_NAME});
  }
  upload_chunk = chunk;
  nghttp2_data_provider provider{};
  provider.read_callback = read_upload;
  int32_t id = nghttp2_submit_request(session, nullptr, nva.data(), nva.size(), body ? &provider : nullptr, nullptr);
  if (id > 0 && body) uploads[id] = {*body, 0};
  return id;
}

int32_t H2Client::get(const std::string& path, const std::string& authority) {
  return request({{":method", "GET"}, {":scheme", "http"}, {":authority", authority}, {":path", path}});
}

std::string H2Client::take() {
  std::string out;
  for (;;) {
    const uint8_t* p = nullptr;
    ssize_t n = nghttp2_session_mem_send(session, &p);
    if (n <= 0) break;
    out.append(reinterpret_cast<const char*>(p), size_t(n));
  }
  return out;
}

void H2Client::feed(const std::string& in) {
  ssize_t rv = nghttp2_session_mem_recv(session, reinterpret_cast<const uint8_t*>(in.data()), in.size());
  if (rv < 0) recv_error = int(rv);
}

bool converse(H2Client& client, H2Session& server, int rounds) {
  bool ok = true;
  for (int i = 0; i < rounds; ++i) {
    std::string up = client.take();
    if (!up.empty() && ok) ok = server.receive(up.data(), up.size());
    std::string down;
    server.take_output(down);
    if (!down.empty()) client.feed(down);
    if (up.empty() && down.empty()) break;
  }
  return ok;
}

}  // namespace pogo::server::test
