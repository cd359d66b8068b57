#include "tests/e2e/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>
#include <stdexcept>

namespace e2e {

namespace {

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

void global_init_once() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_ALL); });
}

std::string trim(std::string_view s) {
    size_t b = s.find_first_not_of(" \t\r\n");
    if (b == std::string_view::npos) return {};
    size_t e = s.find_last_not_of(" \t\r\n");
    return std::string(s.substr(b, e - b + 1));
}

// The state of one transfer: the options that must outlive curl_easy_perform, and the response
// being assembled by the callbacks.
class Transfer {
public:
    explicit Transfer(const Request& req) : req_(req) {}
    ~Transfer() {
        if (headers_) curl_slist_free_all(headers_);
        if (resolve_) curl_slist_free_all(resolve_);
        if (mime_) curl_mime_free(mime_);
    }
    Transfer(const Transfer&) = delete;
    Transfer& operator=(const Transfer&) = delete;

    void configure(CURL* c) {
        curl_easy_setopt(c, CURLOPT_URL, req_.url.c_str());
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(req_.timeout.count()));
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 20000L);
        curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
        // The tests send exactly the path they mean; curl must not "fix" dot segments.
        curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
        long version = req_.http10                  ? CURL_HTTP_VERSION_1_0
                       : req_.http2_prior_knowledge ? CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE
                       : req_.http2                 ? CURL_HTTP_VERSION_2TLS
                                                    : CURL_HTTP_VERSION_1_1;
        curl_easy_setopt(c, CURLOPT_HTTP_VERSION, version);
        if (!req_.accept_encoding.empty()) curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, req_.accept_encoding.c_str());
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &Transfer::on_write);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, this);
        curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &Transfer::on_header);
        curl_easy_setopt(c, CURLOPT_HEADERDATA, this);
        if (req_.use_cookie_engine) curl_easy_setopt(c, CURLOPT_COOKIEFILE, "");
        if (!req_.userpwd.empty()) {
            curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
            curl_easy_setopt(c, CURLOPT_USERPWD, req_.userpwd.c_str());
        }
        for (auto& h : req_.headers) headers_ = curl_slist_append(headers_, h.c_str());
        if (headers_) curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers_);
        if (!req_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, req_.ca_file.c_str());
        for (auto& r : req_.resolve) resolve_ = curl_slist_append(resolve_, r.c_str());
        if (resolve_) curl_easy_setopt(c, CURLOPT_RESOLVE, resolve_);
        if (!req_.local_address.empty()) {
            interface_ = "host!" + req_.local_address;
            curl_easy_setopt(c, CURLOPT_INTERFACE, interface_.c_str());
        }
        if (req_.max_recv_speed > 0)
            curl_easy_setopt(c, CURLOPT_MAX_RECV_SPEED_LARGE, static_cast<curl_off_t>(req_.max_recv_speed));

        if (!req_.files.empty()) {
            mime_ = curl_mime_init(c);
            for (auto& [name, value] : req_.form_fields) {
                curl_mimepart* part = curl_mime_addpart(mime_);
                curl_mime_name(part, name.c_str());
                curl_mime_data(part, value.data(), value.size());
            }
            for (auto& f : req_.files) {
                curl_mimepart* part = curl_mime_addpart(mime_);
                curl_mime_name(part, f.field.c_str());
                curl_mime_filename(part, f.filename.c_str());
                curl_mime_type(part, f.content_type.c_str());
                curl_mime_data(part, f.content.data(), f.content.size());
            }
            curl_easy_setopt(c, CURLOPT_MIMEPOST, mime_);
        } else if (req_.has_body) {
            curl_easy_setopt(c, CURLOPT_POSTFIELDS, req_.body.data());
            curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req_.body.size()));
        }
        if (req_.method == "HEAD") {
            curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
        } else if (req_.method != "GET" && !(req_.method == "POST" && (req_.has_body || !req_.files.empty()))) {
            curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req_.method.c_str());
        }
    }

    Response finish(CURL* c, CURLcode rc) {
        if (rc != CURLE_OK) {
            resp_.status = 0;
            resp_.error = curl_easy_strerror(rc);
        } else {
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp_.status);
        }
        curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &resp_.new_connections);
        curl_easy_getinfo(c, CURLINFO_LOCAL_PORT, &resp_.local_port);
        return std::move(resp_);
    }

private:
    static size_t on_write(char* data, size_t size, size_t n, void* self_ptr) {
        auto* self = static_cast<Transfer*>(self_ptr);
        std::string_view piece(data, size * n);
        self->resp_.body.append(piece);
        self->resp_.chunks.push_back({std::chrono::steady_clock::now(), std::string(piece)});
        try {
            if (self->req_.on_data) self->req_.on_data(piece);
        } catch (...) {
            return 0;  // no exception may cross into curl: abort the transfer instead
        }
        return size * n;
    }

    static size_t on_header(char* data, size_t size, size_t n, void* self_ptr) {
        auto* self = static_cast<Transfer*>(self_ptr);
        std::string_view line(data, size * n);
        if (line.substr(0, 5) == "HTTP/") {
            // A new status line (after a 100 Continue, say): only the final response counts.
            self->resp_.headers.clear();
            self->resp_.http_version = std::string(line.substr(0, line.find(' ')));
            self->resp_.status_lines.push_back(trim(line));
        } else if (auto colon = line.find(':'); colon != std::string_view::npos) {
            self->resp_.headers.emplace_back(trim(line.substr(0, colon)), trim(line.substr(colon + 1)));
        }
        return size * n;
    }

    const Request& req_;
    Response resp_;
    curl_slist* headers_ = nullptr;
    curl_slist* resolve_ = nullptr;
    std::string interface_;
    curl_mime* mime_ = nullptr;
};

}  // namespace

std::string Response::header(std::string_view name) const {
    for (auto& [k, v] : headers)
        if (iequals(k, name)) return v;
    return {};
}

bool Response::has_header(std::string_view name) const {
    return std::any_of(headers.begin(), headers.end(), [&](auto& h) { return iequals(h.first, name); });
}

std::vector<std::string> Response::headers_named(std::string_view name) const {
    std::vector<std::string> out;
    for (auto& [k, v] : headers)
        if (iequals(k, name)) out.push_back(v);
    return out;
}

std::string Response::describe() const {
    std::string s = "status " + std::to_string(status) + (http_version.empty() ? "" : " (" + http_version + ")");
    if (!error.empty()) s += " (curl: " + error + ")";
    for (auto& [k, v] : headers) s += "\n" + k + ": " + v;
    s += "\n\n" + (body.size() > 2000 ? body.substr(0, 2000) + "...[" + std::to_string(body.size()) + " bytes]" : body);
    return s;
}

std::string url_encode(std::string_view s) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

std::string form_encode(const std::vector<Header>& fields) {
    std::string out;
    for (auto& [k, v] : fields) {
        if (!out.empty()) out += '&';
        out += url_encode(k) + "=" + url_encode(v);
    }
    return out;
}

HttpClient::HttpClient() {
    global_init_once();
    curl_ = curl_easy_init();
    if (!curl_) throw std::runtime_error("curl_easy_init failed");
}

HttpClient::~HttpClient() { curl_easy_cleanup(curl_); }

Response HttpClient::perform(const Request& req) {
    // reset clears the options but keeps the connection cache (keep-alive) and cookies.
    curl_easy_reset(curl_);
    Request with_cookies;
    if (keep_cookies_ && !req.use_cookie_engine) {
        with_cookies = req;
        with_cookies.use_cookie_engine = true;
    }
    Transfer t(keep_cookies_ && !req.use_cookie_engine ? with_cookies : req);
    t.configure(curl_);
    CURLcode rc = curl_easy_perform(curl_);
    return t.finish(curl_, rc);
}

Response HttpClient::get(const std::string& url, std::vector<std::string> headers) {
    Request r;
    r.url = url;
    r.headers = std::move(headers);
    return perform(r);
}

Response HttpClient::head(const std::string& url, std::vector<std::string> headers) {
    Request r;
    r.method = "HEAD";
    r.url = url;
    r.headers = std::move(headers);
    return perform(r);
}

Response HttpClient::post_form(const std::string& url, const std::vector<Header>& fields,
                               std::vector<std::string> headers) {
    return post_raw(url, form_encode(fields), "application/x-www-form-urlencoded", std::move(headers));
}

Response HttpClient::post_json(const std::string& url, const std::string& json, std::vector<std::string> headers) {
    return post_raw(url, json, "application/json", std::move(headers));
}

Response HttpClient::post_raw(const std::string& url, std::string body, const std::string& content_type,
                              std::vector<std::string> headers) {
    Request r;
    r.method = "POST";
    r.url = url;
    r.headers = std::move(headers);
    bool has_ct = std::any_of(r.headers.begin(), r.headers.end(),
                              [](auto& h) { return iequals(h.substr(0, 13), "content-type:"); });
    if (!has_ct) r.headers.push_back("Content-Type: " + content_type);
    r.body = std::move(body);
    r.has_body = true;
    return perform(r);
}

Response HttpClient::post_multipart(const std::string& url, const std::vector<Header>& fields,
                                    const std::vector<MimeFile>& files) {
    Request r;
    r.method = "POST";
    r.url = url;
    r.form_fields = fields;
    r.files = files;
    return perform(r);
}

namespace {

std::vector<Response> perform_multi(const std::vector<Request>& requests, std::chrono::milliseconds timeout,
                                    bool multiplex) {
    global_init_once();
    CURLM* multi = curl_multi_init();
    if (multiplex) curl_multi_setopt(multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
    struct Slot {
        CURL* easy;
        std::unique_ptr<Transfer> transfer;
        bool done = false;
        CURLcode rc = CURLE_OK;
    };
    std::vector<Slot> slots;
    slots.reserve(requests.size());
    for (auto& req : requests) {
        Slot s{curl_easy_init(), std::make_unique<Transfer>(req)};
        s.transfer->configure(s.easy);
        if (multiplex) {
            curl_easy_setopt(s.easy, CURLOPT_PIPEWAIT, 1L);
        } else {
            // One connection per request: the point is concurrency, not reuse.
            curl_easy_setopt(s.easy, CURLOPT_FRESH_CONNECT, 1L);
            curl_easy_setopt(s.easy, CURLOPT_FORBID_REUSE, 1L);
        }
        curl_easy_setopt(s.easy, CURLOPT_PRIVATE, reinterpret_cast<char*>(slots.size()));
        curl_multi_add_handle(multi, s.easy);
        slots.push_back(std::move(s));
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    int running = 1;
    while (running > 0 && std::chrono::steady_clock::now() < deadline) {
        curl_multi_perform(multi, &running);
        int queued = 0;
        while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
            if (msg->msg != CURLMSG_DONE) continue;
            char* priv = nullptr;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
            auto& slot = slots[reinterpret_cast<size_t>(priv)];
            slot.done = true;
            slot.rc = msg->data.result;
        }
        if (running > 0) curl_multi_poll(multi, nullptr, 0, 100, nullptr);
    }
    std::vector<Response> out;
    for (auto& s : slots) {
        out.push_back(s.transfer->finish(s.easy, s.done ? s.rc : CURLE_OPERATION_TIMEDOUT));
        curl_multi_remove_handle(multi, s.easy);
        curl_easy_cleanup(s.easy);
    }
    curl_multi_cleanup(multi);
    return out;
}

}  // namespace

std::vector<Response> perform_concurrent(const std::vector<Request>& requests, std::chrono::milliseconds timeout) {
    return perform_multi(requests, timeout, false);
}

std::vector<Response> perform_multiplexed(const std::vector<Request>& requests, std::chrono::milliseconds timeout) {
    return perform_multi(requests, timeout, true);
}

}  // namespace e2e
