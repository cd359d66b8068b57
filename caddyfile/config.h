// caddyfile::Config is the whole configuration as plain data, validated: the single source the
// runtime is built from (and what `pogo adapt` prints). Values not written in the Caddyfile keep
// the defaults below, or stay empty/zero where the runtime chooses (e.g. thread counts from CPUs).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "caddyfile/durations.h"
#include "caddyfile/error.h"

namespace caddyfile {

using namespace std::chrono_literals;
using KeyValues = std::vector<std::pair<std::string, std::string>>;  // in written order

struct Location {
    std::string file;
    int line = 0;
};

// ---- global options ----

// `output file PATH { roll_* }`: Caddy's file writer, with its defaults (lumberjack's rolling).
struct LogRoll {
    bool enabled = true;        // roll_disabled: false
    int size_mb = 100;          // roll_size, rounded up to whole MiB as Caddy does
    int keep = 10;              // roll_keep: backups kept
    int keep_days = 90;         // roll_keep_for, rounded up to whole days as Caddy does
    bool gzip = true;           // roll_uncompressed: false
    bool local_time = false;    // roll_local_time: backup names in local time instead of UTC
};

// One action of a `query` or `cookie`/`set_cookie` filter: replace NAME VALUE | delete NAME | hash NAME.
struct LogFilterAction {
    std::string type;  // replace | delete | hash
    std::string name;  // the query parameter or cookie name
    std::string value; // replace only
};

// A field filter of the `filter` encoder: what happens to the logged field at `field`, a path of
// nested keys separated by `>` (request>headers>Authorization).
struct LogFieldFilter {
    std::string field;
    std::string filter;  // delete | replace | hash | ip_mask | query | cookie | set_cookie | regexp
    std::string value;   // replace
    int ipv4_cidr = 0, ipv6_cidr = 0;                              // ip_mask prefix lengths; 0 leaves that family as is
    std::vector<LogFilterAction> actions;                          // query, cookie, set_cookie
    std::vector<std::pair<std::string, std::string>> regexps;      // regexp: (pattern, replacement), applied in order
    Location where;
};

struct LogConfig {  // global `log [name] { }` or a site's access log
    std::string name;               // "" for the default logger
    std::string output = "stderr";  // stderr | stdout | discard | file
    std::string file;               // when output == "file"
    LogRoll roll;                   // when output == "file"
    std::string format;             // "" (runtime default), json, console, filter
    std::string wrap;               // format filter: json (default) or console
    std::vector<LogFieldFilter> filters;  // format filter, in written order
    std::string level;              // "" (INFO), DEBUG, INFO, WARN, ERROR, PANIC, FATAL
    std::vector<std::string> include, exclude;
    Location where;
};

struct ServerOptions {  // `servers [listener] { }`
    std::string listener;  // "" applies to every server
    std::string name;
    bool metrics = false, metrics_per_host = false;  // the legacy `servers { metrics }`
    std::optional<Duration> read_body, read_header, write, idle;
    std::optional<uint64_t> max_header_size;
    std::vector<std::string> protocols;  // h1 h2 h2c h3
    std::vector<std::string> trusted_proxies;    // `trusted_proxies static RANGES...` (private_ranges kept as written)
    std::vector<std::string> client_ip_headers;  // empty: X-Forwarded-For
    bool trusted_proxies_strict = false;
    bool log_credentials = false;     // access logs show Cookie/Authorization values (else "REDACTED")
    bool enable_full_duplex = false;  // accepted: Pogo's HTTP/1.1 always reads bodies while responding
    Location where;
};

struct PhpWorker {  // `worker` in `frankenphp { }` or in `php_server`/`php`
    std::string file;  // as written
    std::string path;  // resolved, absolute
    int num = 0;       // 0: runtime default
    KeyValues env;
    std::string name;
    int max_threads = 0;
    int max_consecutive_failures = 0;  // 0: runtime default
    std::vector<std::string> match;    // request paths routed to this worker
    std::vector<std::string> watch;    // file patterns whose changes restart the worker
    Location where;
};

struct FrankenPhpOptions {
    bool present = false;
    int num_threads = 0;  // 0: 2 x CPUs
    int max_threads = 0;  // 0: = num_threads; -1: auto
    std::optional<Duration> max_wait_time, max_idle_time;
    int max_requests = 0;  // 0: never recycle
    KeyValues php_ini;
    std::vector<PhpWorker> workers;
    Location where;
};

struct PogoPool {
    std::string name;
    std::string worker;       // as written
    std::string worker_path;  // resolved from the Caddyfile's directory
    int num_threads = 0;      // 0: 2 x CPUs
    Duration max_wait = 30s;
    Location where;
};

struct PogoOptions {
    bool present = false;
    std::vector<PogoPool> pools;  // "default" always among them when present
    Location where;
};

// ---- certificates (shared by the tls directive and the global options) ----

struct AcmeSettings {  // the `acme` issuer
    std::string dir;                         // directory URL; "" = the default (global acme_ca, else Let's Encrypt)
    std::string test_dir;                    // fallback directory for retries; "" = none
    std::string email;                       // account contact; "" = the global email
    std::vector<std::string> trusted_roots;  // PEM files trusted for the CA's HTTPS (ca_root, acme_ca_root)
    bool disable_http_challenge = false;
    bool disable_tlsalpn_challenge = false;
    std::optional<Duration> timeout;
};

struct InternalSettings {  // the `internal` issuer: Pogo's local CA
    std::optional<Duration> lifetime;  // of leaf certificates; unset = the CA's default
    bool sign_with_root = false;
};

struct IssuerConfig {  // `issuer acme|internal` in tls, `cert_issuer` globally, or tls shortcuts
    enum class Kind { acme, internal };
    Kind kind = Kind::acme;
    AcmeSettings acme;          // when kind == acme
    InternalSettings internal;  // when kind == internal
    Location where;
};

struct ClientAuth {  // tls { client_auth { } }
    // request | require | verify_if_given | require_and_verify. Caddy's default, kept here:
    // require_and_verify when trusted certificates are given, else require.
    std::string mode;
    std::vector<std::string> trusted_ca_cert_files;    // trusted_ca_cert_file, trust_pool file
    std::vector<std::string> trusted_leaf_cert_files;  // trusted_leaf_cert_file
    Location where;
};

struct StorageConfig {  // `storage file_system [ROOT]`
    std::string root;  // "" = the runtime's default data directory
    Location where;
};

struct GlobalOptions {
    bool debug = false;
    int http_port = 80;
    int https_port = 443;
    std::string admin;  // "" = not set (CADDY_ADMIN, else localhost:2019); "off" disables it
    std::string auto_https = "on";         // on | off | disable_redirects | disable_certs | ignore_loaded_certs | prefer_wildcard
    std::vector<std::string> default_bind;
    std::optional<Duration> grace_period, shutdown_delay;
    std::vector<LogConfig> logs;
    std::vector<ServerOptions> servers;
    bool metrics = false;           // `metrics`: Caddy's HTTP metrics are counted
    bool metrics_per_host = false;  // `metrics { per_host }` (parsed; Pogo has no host label yet)
    FrankenPhpOptions frankenphp;
    PogoOptions pogo;
    std::vector<std::string> directive_order;  // after `order` options

    // certificates
    std::string email;                      // ACME account contact for every site
    std::string acme_ca;                    // ACME directory URL; "" = Let's Encrypt
    std::string acme_ca_root;               // PEM file trusted for the ACME CA's HTTPS
    bool local_certs = false;               // every managed certificate from the local CA
    bool skip_install_trust = false;        // do not install the local CA's root in trust stores
    std::optional<StorageConfig> storage;   // unset = the default data directory
    std::string default_sni;                // server name for handshakes without SNI
    std::optional<IssuerConfig> cert_issuer;
    bool ocsp_stapling = true;              // false after `ocsp_stapling off`
    std::string key_type;                   // "" = runtime default; ed25519 p256 p384 rsa2048 rsa4096
};

// ---- matchers ----

struct MatcherSet;  // all its conditions must hold

// The policies of the `file` matcher's try_policy and of try_files' policy, as Caddy names them.
inline const std::vector<std::string> kTryPolicies = {"first_exist", "first_exist_fallback", "smallest_size",
                                                      "largest_size", "most_recently_modified"};
inline bool is_try_policy(std::string_view p) {
    for (const std::string& k : kTryPolicies)
        if (k == p) return true;
    return false;
}

struct FileCondition {  // `file` matcher: try_files semantics
    std::string root;
    std::vector<std::string> try_files;  // default: {path}
    std::string try_policy = "first_exist";
    std::vector<std::string> split_path;
};

struct MatcherSet {
    std::vector<std::string> paths;  // any of them
    std::vector<std::pair<std::string, std::string>> path_regexps;  // name, pattern (all of them)
    std::vector<std::string> methods, hosts, remote_ips, client_ips, protocols;
    std::vector<std::pair<std::string, std::vector<std::string>>> headers;  // field, any of values ("!F": absent)
    std::vector<std::pair<std::string, std::pair<std::string, std::string>>> header_regexps;  // name, field, pattern
    std::vector<std::pair<std::string, std::string>> query;  // key, value ("*": any)
    // `vars`: a variable name (or one `{placeholder}`) and the values it may have. As in Caddy,
    // the set's vars condition holds when ANY of its entries matches.
    std::vector<std::pair<std::string, std::vector<std::string>>> vars;
    std::vector<std::pair<std::string, std::pair<std::string, std::string>>> vars_regexps;  // name, var, pattern (any)
    std::optional<FileCondition> file;
    std::vector<MatcherSet> nots;  // each must NOT match
    // `expression`: CEL text as written (caddyfile/expression.h); several are joined with &&.
    std::string expression;
    Location where;
};

struct NamedMatcher {
    std::string name;  // without '@'
    MatcherSet set;
};

// A directive's matcher token: `*` (or none), a path (`/x`, `/x*`, `*.php`), or `@name`.
struct MatchSpec {
    enum class Kind { all, path, named };
    Kind kind = Kind::all;
    std::string value;  // the path, or the matcher name without '@'
};

// ---- handler directives ----

struct Handler;

struct RootSpec { std::string path; };
struct HeaderOp {
    enum class Op { set, add, remove, set_default, replace };
    Op op = Op::set;
    std::string field, value, replacement;
};
// `header` (response) and `request_header` (the request, before later handlers see it). `replace`
// finds with a regular expression, as Caddy's SearchRegexp, and expands $1 / ${name} in its replacement.
struct HeaderSpec { std::vector<HeaderOp> ops; bool defer = false; };
struct VarsSpec { KeyValues vars; };  // `vars`: name, value (placeholders resolved per request)
struct RequestBodySpec {
    std::optional<uint64_t> max_size;
    bool buffer = true;  // `buffer off`: the body streams to the script as it arrives
};
struct RedirSpec { std::string to; int status = 302; bool html = false; };
struct RewriteSpec { std::string to; };
struct MethodSpec { std::string method; };  // `method`: the request's method from here on (upper case)
struct UriSpec { std::string op; std::vector<std::string> args; };  // strip_prefix strip_suffix replace path_regexp query
struct TryFilesSpec { std::vector<std::string> files; std::string policy = "first_exist"; };
struct BasicAuthSpec { std::string hash = "bcrypt"; std::string realm = "restricted"; KeyValues accounts; };
// `encode { match ... }`: Caddy's response matcher. Every condition given must hold.
struct ResponseMatcherSpec {
    std::vector<int> status_codes;  // any of them; a single digit is a class (2 = 2xx)
    std::vector<std::pair<std::string, std::vector<std::string>>> headers;  // field, any of values ("!F": absent)
};
struct EncodeSpec {
    std::vector<std::string> formats;  // br, zstd, gzip: in preference order (Caddy's `prefer`)
    int gzip_level = 0;                // 0: default (Caddy's 5)
    std::string zstd_level;            // fastest, default, better, best; "": default
    bool zstd_checksum = true;         // `zstd { disable_checksum }` turns it off
    int br_quality = -1;               // 0-11; -1: default (caddy-cbrotli's 6)
    int br_window = 0;                 // lgwin 10-24; 0: the encoder's choice
    uint64_t minimum_length = 512;
    std::optional<ResponseMatcherSpec> match;  // none: Caddy's list of compressible Content-Types
};
struct VulcainSpec {  // vulcain { max_pushes N; early_hints [bool] }
    int max_pushes = -1;     // -1: no limit; 0: every Link says nopush (Pogo never pushes)
    bool early_hints = true;  // send the Link headers in a 103 first (the Caddyfile's default)
};
// `mercure { ... }`: the built-in Mercure hub. Keys are kept as written ({env.*} placeholders are
// resolved when the hub starts); an empty algorithm means HS256.
struct MercureSpec {
    std::string publisher_key, publisher_alg;
    std::string subscriber_key, subscriber_alg;
    bool anonymous = false;
    bool subscriptions = false;
    std::vector<std::string> publish_origins;
    std::vector<std::string> cors_origins;
    Duration heartbeat = std::chrono::seconds(40);
    Duration write_timeout = std::chrono::seconds(600);   // 0: subscriptions never time out
    Duration dispatch_timeout = std::chrono::seconds(5);  // 0: a slow subscriber is never dropped
    std::string transport = "local";  // local (memory) or bolt (a history file)
    std::string transport_path;        // bolt: the history file ("" = mercure.db in the data dir)
    uint64_t history_size = 0;         // bolt `size`: updates kept (0: the byte budget alone)
    uint64_t cache_size_approx = 0;    // accepted for compatibility (0: default)
    bool demo = false;                 // accepted; Pogo serves no demo UI and says so
};
struct SubrouteSpec {  // handle, handle_path, route
    std::vector<NamedMatcher> matchers;  // defined inside the block
    std::vector<Handler> handlers;
    std::string strip_prefix;  // handle_path
};
// status 0: not written, so 200 — or, inside handle_errors, the status of the error being handled.
struct RespondSpec { int status = 0; std::string body; bool close = false; };
struct ErrorSpec { int status = 500; std::string message; };
struct PhpSpec {  // php_server, php, php_fastcgi
    std::string root;
    std::vector<std::string> split_path{".php"};
    bool resolve_root_symlink = true;
    KeyValues env;
    std::vector<std::string> index{"index.php"};  // empty: `index off`
    std::vector<std::string> try_files;            // empty: {path} {path}/index.php index.php
    bool file_server = true;                       // php_server serves static files
    bool hide_defaults = true;                     // ... except what the built-in hide list covers
    std::vector<PhpWorker> workers;
    std::string upstream;  // php_fastcgi's (ignored: the embedded engine serves it)
};
struct FileServerSpec {
    std::string root;
    std::vector<std::string> hide;
    bool hide_defaults = true;  // also hide Pogo's built-in list (.env*, .git, *.php.bak, ...)
    std::vector<std::string> index{"index.html", "index.txt"};
    bool browse = false;
    std::vector<std::string> precompressed;
    bool pass_thru = false;
    bool canonical_uris = true;
    int status = 0;
};

// intercept's and reverse_proxy's response handling: named response matchers and the entries
// tried in order on the head of a response (the first whose matcher holds applies). An entry is a
// replace_status (a new status, the body as it was) or a handle_response (its routes answer in
// place of the response, which is dropped; routes that answer nothing let it through).
struct ResponseRoute {
    std::string matcher;                 // a named response matcher (without '@'); "": every response
    int replace_status = 0;              // replace_status: the new code; 0: a handle_response
    std::vector<NamedMatcher> matchers;  // handle_response: request matchers defined in its block
    std::vector<Handler> handlers;       // handle_response: its directives, in Caddy's order
    Location where;
};
struct ResponseHandling {
    std::vector<std::pair<std::string, ResponseMatcherSpec>> matchers;  // @name, without '@'
    // Caddy's order: replace_status entries, then handle_response ones, each as written; those
    // without a matcher moved last.
    std::vector<ResponseRoute> routes;
    bool empty() const { return routes.empty(); }
};
struct InterceptSpec { ResponseHandling responses; };
// Inside reverse_proxy's handle_response: the upstream's response after all (copy_response), with
// another status when given; its header fields, all or some (copy_response_headers).
struct CopyResponseSpec { int status = 0; };
struct CopyResponseHeadersSpec { std::vector<std::string> include, exclude; };

struct ProxyTransportSpec {  // reverse_proxy's `transport http { }`; unset: Caddy's defaults
    std::optional<Duration> dial_timeout;             // 3s
    std::optional<Duration> response_header_timeout;  // none
    std::optional<uint64_t> read_buffer;              // bytes read from the upstream at once
    bool keepalive = true;                            // `keepalive off`
    std::optional<Duration> keepalive_idle;           // `keepalive 30s`: 2m
    std::optional<int> keepalive_idle_conns;          // per upstream and loop: 32
    // HTTPS upstreams: `tls` (or an https:// upstream address), and how the upstream's
    // certificate is checked.
    bool tls = false;
    bool tls_insecure_skip_verify = false;
    std::string tls_server_name;                    // sent and verified instead of the upstream's host
    std::vector<std::string> tls_trusted_ca_certs;  // PEM files replacing the system's trust store
};
struct ReverseProxySpec {
    // "host:port" (IPv6 in brackets), normalised from what was written; an address with
    // placeholders stays as written (resolved per request).
    std::vector<std::string> upstreams;
    HeaderSpec header_up, header_down;
    std::vector<std::string> trusted_proxies;  // ranges as written (`private_ranges` kept)
    ProxyTransportSpec transport;
    // load balancing
    std::string lb_policy = "random";  // random round_robin least_conn first ip_hash client_ip_hash uri_hash header
    std::string lb_header;             // `lb_policy header FIELD`
    int lb_retries = 0;
    std::optional<Duration> lb_try_duration, lb_try_interval;
    // passive health checks
    std::optional<Duration> fail_duration;
    int max_fails = 1;
    std::vector<int> unhealthy_status;  // codes; 1-5: a class ("5xx")
    // active health checks
    std::string health_uri;
    std::optional<Duration> health_interval, health_timeout;
    int health_status = 2;  // a code, or a class
    // `flush_interval`: "-1", a duration ("100ms"), or "" (unset). Pogo passes every read on at
    // once, which is what -1 asks and never later than an interval would.
    std::string flush_interval;
    ResponseHandling responses;  // handle_response, replace_status and their @matchers
};

using HandlerSpec = std::variant<RootSpec, VarsSpec, HeaderSpec, RequestBodySpec, RedirSpec, RewriteSpec, UriSpec, TryFilesSpec,
                                 BasicAuthSpec, EncodeSpec, VulcainSpec, SubrouteSpec, RespondSpec, ErrorSpec, PhpSpec,
                                 FileServerSpec, ReverseProxySpec, MethodSpec, MercureSpec, InterceptSpec,
                                 CopyResponseSpec, CopyResponseHeadersSpec>;

struct Handler {
    std::string directive;  // its name as written (basicauth is stored as basic_auth)
    // Handlers of one list sharing a non-empty group are mutually exclusive, as Caddy's route
    // groups: only the first whose matcher matches runs. handle and handle_path are group "handle".
    std::string group;
    MatchSpec match;
    HandlerSpec spec;
    Location where;
};

// ---- sites ----

struct Address {
    std::string original;  // as written
    std::string scheme;    // http | https (decided, never empty)
    std::string host;      // lower case; "" matches any host
    int port = 0;          // decided
    std::string path;      // path prefix, rare
    Location where;
};

struct TlsConfig {  // the site's `tls` directive
    std::string cert, key;  // `tls CERT KEY`: files; no managed certificate for the site's names
    bool internal = false;  // `tls internal` or `issuer internal`
    std::string email;      // `tls EMAIL`: ACME account contact for this site
    std::string protocol_min, protocol_max;  // tls1.2 | tls1.3; "" = default (tls1.2, tls1.3)
    std::vector<std::string> ciphers;        // Go/Caddy suite names, in preference order
    std::vector<std::string> curves;         // x25519 secp256r1 secp384r1 secp521r1
    std::vector<std::string> alpn;
    std::vector<std::string> load;           // folders of PEM cert+key bundles
    std::string key_type;                    // "" = the global key_type
    bool reuse_private_keys = false;
    std::optional<IssuerConfig> issuer;      // `issuer`, `tls internal`, or the ca/ca_root shortcuts
    std::optional<ClientAuth> client_auth;
    Location where;
};

// `handle_errors [codes and classes] { }`: a route run when the site's handlers end in an error
// (the error directive, file_server's 404/403, a body over request_body's max_size, a PHP request
// that waited past max_wait_time, a PHP script that died before its first output). Without codes
// and classes it handles every error.
// Whether a handle_errors block of these codes and classes (4 for 4xx) handles `status`; neither:
// every error.
inline bool handles_status(const std::vector<int>& codes, const std::vector<int>& classes, int status) {
    if (codes.empty() && classes.empty()) return true;
    for (int c : codes)
        if (c == status) return true;
    for (int c : classes)
        if (status / 100 == c) return true;
    return false;
}

struct ErrorRoute {
    std::vector<int> codes;    // 404, 410, ...
    std::vector<int> classes;  // 4 for 4xx, 5 for 5xx
    std::vector<NamedMatcher> matchers;  // defined inside the block
    std::vector<Handler> handlers;       // in Caddy's directive order
    Location where;
    bool handles(int status) const { return handles_status(codes, classes, status); }
};

struct Site {
    std::vector<Address> addresses;
    std::vector<NamedMatcher> matchers;
    std::vector<Handler> handlers;  // in execution order (Caddy's directive order applied)
    // Most specific first, as Caddy sorts them: blocks with only status codes, then blocks with a
    // class (4xx), then the catch-all; written order within each rank. The first that handles
    // the error's status runs.
    std::vector<ErrorRoute> errors;
    std::vector<LogConfig> logs;
    std::optional<TlsConfig> tls;
    std::vector<std::string> bind;
    Location where;
};

// ---- automatic HTTPS: what the runtime must do, decided from the sites (see auto_https.h) ----

struct ManagedCertificate {  // one certificate the runtime obtains and renews (one per name, as Caddy)
    std::string name;        // host name, *.wildcard or IP address, lower case
    enum class Issuer { internal, acme };
    Issuer issuer = Issuer::acme;
    AcmeSettings acme;          // when issuer == acme, resolved: dir always set; email, trusted_roots site > global
    InternalSettings internal;  // when issuer == internal
    std::string key_type;       // "" = runtime default
    size_t site = 0;            // index into Config::sites of the first site that asked for it
};

// Served on http_port (on the site's bind addresses; none = all interfaces): a request for `host`
// ("" = any host) gets 308 to `location`, where the runtime substitutes {host} (the request's host
// without port) and {uri} (path and query as received).
struct HttpsRedirect {
    int http_port = 80;
    std::string host;        // "" = any host; may be a *.wildcard
    int https_port = 443;    // the HTTPS listener the redirect leads to
    std::string location;    // "https://{host}{uri}" or "https://{host}:8443{uri}"
    std::vector<std::string> bind;
    Location where;          // the site address that asked for it
};

struct TlsSitePolicy {  // one (site, HTTPS port): the names whose SNI selects the site's TLS settings
    size_t site = 0;
    int port = 443;
    std::vector<std::string> names;  // the site's hosts on that port, lower case
    bool catch_all = false;          // the site also has a hostless address on that port
};

struct HttpsPlan {
    std::vector<ManagedCertificate> certificates;
    std::vector<HttpsRedirect> redirects;
    std::vector<TlsSitePolicy> policies;
    bool install_trust = false;  // a local-CA certificate is managed and skip_install_trust is not set
};

struct Config {
    std::string source;  // the Caddyfile path
    GlobalOptions global;
    std::vector<Site> sites;
    HttpsPlan https;     // computed by the loader from global and sites (plan_https)
    std::vector<Warning> warnings;
};

}  // namespace caddyfile
