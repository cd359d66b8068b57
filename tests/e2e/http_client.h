// An HTTP/1.1 client for the end-to-end tests, over libcurl.
//
// One HttpClient owns one CURL easy handle, so consecutive requests reuse its connection
// (keep-alive) exactly as a browser would; `Response::new_connections` says how many connections a
// request had to open (CURLINFO_NUM_CONNECTS). Every body write is recorded as a Chunk with its
// arrival time, so tests can tell a streamed response from a buffered one. Used from one thread
// at a time; concurrent load uses `get_concurrent` (curl_multi, one thread).
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

typedef void CURL;

namespace e2e {

using Header = std::pair<std::string, std::string>;

struct Chunk {
    std::chrono::steady_clock::time_point at;
    std::string data;
};

struct Response {
    long status = 0;        // 0: the transfer failed, see `error`
    std::string error;      // curl's message when status is 0
    std::string http_version;  // "HTTP/1.1" (or "HTTP/2") from the status line
    // Every status line received, in order: interim ones (100, 103) before the final one.
    std::vector<std::string> status_lines;
    std::vector<Header> headers;  // in order, names as sent
    std::string body;
    std::vector<Chunk> chunks;  // one per write callback, in arrival order
    long new_connections = 0;   // CURLINFO_NUM_CONNECTS
    long local_port = 0;        // CURLINFO_LOCAL_PORT: the client's side of the connection

    // First header named `name` (case-insensitive), or "" if absent.
    std::string header(std::string_view name) const;
    bool has_header(std::string_view name) const;
    std::vector<std::string> headers_named(std::string_view name) const;
    std::string describe() const;  // for failure messages
};

// A file part of a multipart/form-data body.
struct MimeFile {
    std::string field;
    std::string filename;
    std::string content;
    std::string content_type = "application/octet-stream";
};

struct Request {
    std::string method = "GET";
    std::string url;
    std::vector<std::string> headers;  // "Name: value" lines, sent as given (repeats kept)
    std::string body;
    bool has_body = false;
    std::vector<Header> form_fields;   // with files: multipart fields; otherwise unused
    std::vector<MimeFile> files;       // non-empty: a multipart/form-data body
    bool http10 = false;
    std::string userpwd;               // "user:password" for Basic auth
    bool use_cookie_engine = false;    // keep cookies between requests of this client
    // Called from curl's write callback with each piece of the body as it arrives.
    std::function<void(std::string_view)> on_data;
    std::chrono::milliseconds timeout{30000};
    // HTTPS: the CA bundle to verify the server with (curl's default store when empty), and
    // "HOST:PORT:ADDRESS" entries that pin a name to an address (curl --resolve), so a test can
    // ask for https://a.localhost:P/ with the right SNI and Host while connecting to 127.0.0.1.
    std::string ca_file;
    std::vector<std::string> resolve;
    long max_recv_speed = 0;  // bytes per second; 0: as fast as possible (a slow reader otherwise)
    // HTTP/2: offered by ALPN on https (HTTP/1.1 if the server does not select h2), or spoken
    // from the first byte on http:// (prior knowledge, no Upgrade).
    bool http2 = false;
    bool http2_prior_knowledge = false;
    // CURLOPT_ACCEPT_ENCODING when non-empty ("gzip", "zstd"): sent, and the body decoded.
    std::string accept_encoding;
    // The source address to connect from ("127.0.0.9": any 127/8 address is this machine's), so a
    // client behind a proxy on loopback has an address of its own.
    std::string local_address;
};

std::string url_encode(std::string_view s);
std::string form_encode(const std::vector<Header>& fields);

class HttpClient {
public:
    HttpClient();
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    Response perform(const Request& req);

    Response get(const std::string& url, std::vector<std::string> headers = {});
    Response head(const std::string& url, std::vector<std::string> headers = {});
    Response post_form(const std::string& url, const std::vector<Header>& fields,
                       std::vector<std::string> headers = {});
    Response post_json(const std::string& url, const std::string& json, std::vector<std::string> headers = {});
    Response post_raw(const std::string& url, std::string body, const std::string& content_type,
                      std::vector<std::string> headers = {});
    Response post_multipart(const std::string& url, const std::vector<Header>& fields,
                            const std::vector<MimeFile>& files);

    // From now on every request of this client sends and stores cookies (a browser's session:
    // the cookie jar lives in the handle, in memory), whatever its Request::use_cookie_engine.
    void keep_cookies() { keep_cookies_ = true; }

private:
    CURL* curl_;
    bool keep_cookies_ = false;
};

// Sends every request at once over its own connection (curl_multi) and returns the responses in
// the same order. Each request is a GET unless it has a body.
std::vector<Response> perform_concurrent(const std::vector<Request>& requests,
                                         std::chrono::milliseconds timeout = std::chrono::milliseconds(60000));
// The same requests at once, but multiplexed: every transfer waits for the first connection
// (CURLOPT_PIPEWAIT) and shares it when it speaks HTTP/2. The sum of `new_connections` says how
// many connections were opened in all (1 when everything was multiplexed).
std::vector<Response> perform_multiplexed(const std::vector<Request>& requests,
                                          std::chrono::milliseconds timeout = std::chrono::milliseconds(60000));

}  // namespace e2e
