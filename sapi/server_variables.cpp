#include "sapi/server_variables.h"

#include <cstdio>
#include <string_view>

#include "sapi/php_includes.h"
#include "sapi/request.h"
#include "sapi/sapi_module.h"

namespace pogo::sapi {

namespace {

// Frames here may be unwound by a bailout (memory limit while registering): only views and
// pointers live on the stack; the bytes being built live in ctx's reusable buffers.

void add(zval* arr, const char* name, std::string_view value) {
  char* val = const_cast<char*>(value.data());
  size_t new_len = value.size();
  // PARSE_SERVER never frees or replaces `val`; ext/filter registers it itself and returns 0.
  if (sapi_module.input_filter(PARSE_SERVER, name, &val, value.size(), &new_len))
    php_register_variable_safe(name, val, new_len, arr);
}

// "HTTP_" + name upper-cased with '-' -> '_' (PHP mangles anything else it dislikes).
const char* http_var_name(RequestContext& ctx, std::string_view header) {
  ctx.name_buf.assign("HTTP_");
  for (char c : header) {
    if (c == '-') c = '_';
    else if (c >= 'a' && c <= 'z') c = char(c - 'a' + 'A');
    ctx.name_buf += c;
  }
  return ctx.name_buf.c_str();
}

void add_headers(zval* arr, RequestContext& ctx) {
  const auto& headers = ctx.head->headers;
  for (size_t i = 0; i < headers.size(); ++i) {
    std::string_view name = headers[i].name;
    // CONTENT_TYPE / CONTENT_LENGTH carry these; a repeated header was joined at its first place.
    if (server::header_name_equals(name, "content-type") || server::header_name_equals(name, "content-length"))
      continue;
    bool seen = false;
    for (size_t j = 0; j < i && !seen; ++j) seen = server::header_name_equals(headers[j].name, name);
    if (seen) continue;
    std::string_view sep = server::header_name_equals(name, "cookie") ? "; " : ", ";
    ctx.value_buf.assign(headers[i].value);
    for (size_t j = i + 1; j < headers.size(); ++j) {
      if (!server::header_name_equals(headers[j].name, name)) continue;
      ctx.value_buf += sep;
      ctx.value_buf += headers[j].value;
    }
    add(arr, http_var_name(ctx, name), ctx.value_buf);
  }
}

// SERVER_NAME and SERVER_PORT from Host ("name", "name:port", "[v6]:port"); the port defaults to
// the scheme's.
void add_server_name_port(zval* arr, RequestContext& ctx) {
  const server::RequestHead& h = *ctx.head;
  bool https = h.scheme == "https";
  std::string_view host;
  if (const std::string* hh = h.header("Host")) host = *hh;
  std::string_view name = host, port;
  if (!host.empty() && host.front() == '[') {
    size_t close = host.find(']');
    if (close != std::string_view::npos) {
      name = host.substr(0, close + 1);
      if (close + 1 < host.size() && host[close + 1] == ':') port = host.substr(close + 2);
    }
  } else if (size_t colon = host.rfind(':'); colon != std::string_view::npos) {
    name = host.substr(0, colon);
    port = host.substr(colon + 1);
  }
  if (name.empty()) name = h.local_addr;
  add(arr, "SERVER_NAME", name);
  add(arr, "SERVER_PORT", port.empty() ? (https ? "443" : "80") : port);
}

}  // namespace

void register_server_variables(zval* arr) {
  php_import_environment_variables(arr);
  RequestContext* ctx = current_request();
  if (!ctx) return;
  if (ctx->worker_env)
    for (const auto& [k, v] : *ctx->worker_env) add(arr, k.c_str(), v);
  if (!ctx->head) {  // a worker script between requests
    add(arr, "SCRIPT_FILENAME", ctx->script);
    add(arr, "SERVER_SOFTWARE", kServerSoftware);
    return;
  }
  const server::RequestHead& h = *ctx->head;
  char num[32];

  // As FrankenPHP: the client behind trusted proxies (servers { trusted_proxies }), else the peer.
  const std::string& client = h.client();
  add(arr, "REMOTE_ADDR", client);
  add(arr, "REMOTE_HOST", client);
  add(arr, "REMOTE_PORT", std::string_view(num, size_t(std::snprintf(num, sizeof num, "%u", unsigned(h.remote_port)))));
  add(arr, "DOCUMENT_ROOT", h.document_root);
  add(arr, "SCRIPT_FILENAME", h.script_filename);
  add(arr, "SCRIPT_NAME", h.script_name);
  add(arr, "DOCUMENT_URI", h.script_name);  // the script part, as Caddy's FastCGI and FrankenPHP set it
  add(arr, "PATH_INFO", h.path_info);
  if (!h.path_info.empty()) {
    ctx->value_buf.assign(h.document_root).append(h.path_info);
    add(arr, "PATH_TRANSLATED", ctx->value_buf);
  }
  ctx->value_buf.assign(h.script_name).append(h.path_info);
  add(arr, "PHP_SELF", ctx->value_buf);
  add_server_name_port(arr, *ctx);
  add(arr, "SERVER_PROTOCOL",
      std::string_view(num, size_t(std::snprintf(num, sizeof num, "HTTP/%d.%d", h.http_major, h.http_minor))));
  add(arr, "SERVER_SOFTWARE", kServerSoftware);
  add(arr, "GATEWAY_INTERFACE", "CGI/1.1");
  add(arr, "REQUEST_METHOD", h.method);
  add(arr, "REQUEST_URI", h.uri);
  add(arr, "QUERY_STRING", h.query);
  const std::string* ct = h.header("Content-Type");
  add(arr, "CONTENT_TYPE", ct ? std::string_view(*ct) : std::string_view());
  if (const std::string* cl = h.header("Content-Length")) add(arr, "CONTENT_LENGTH", *cl);
  bool https = h.scheme == "https";
  add(arr, "REQUEST_SCHEME", https ? "https" : "http");
  add(arr, "HTTPS", https ? "on" : "");
  for (const auto& [k, v] : h.tls_env) add(arr, k.c_str(), v);
  add(arr, "AUTH_TYPE", "");
  add(arr, "REMOTE_IDENT", "");
  if (SG(request_info).auth_user) add(arr, "REMOTE_USER", SG(request_info).auth_user);
  add_headers(arr, *ctx);
  for (const auto& [k, v] : h.env) add(arr, k.c_str(), v);
  // PHP itself adds PHP_AUTH_USER, PHP_AUTH_PW (from SG(request_info)), REQUEST_TIME(_FLOAT).
}

}  // namespace pogo::sapi
