// One parser per handler directive (one file per family), and the table that finds them.
#pragma once

#include <string>

#include "caddyfile/handlers.h"

namespace caddyfile::directives {

using Parser = HandlerSpec (*)(DirectiveInput& in);

// nullptr when `name` is not a handler directive Pogo implements.
Parser find(const std::string& name);
// A directive Caddy (or a common plugin) has and Pogo does not.
bool is_unsupported(const std::string& name);

HandlerSpec root(DirectiveInput& in);
HandlerSpec request_body(DirectiveInput& in);
HandlerSpec redir(DirectiveInput& in);
HandlerSpec rewrite(DirectiveInput& in);
HandlerSpec method(DirectiveInput& in);
HandlerSpec uri(DirectiveInput& in);
HandlerSpec try_files(DirectiveInput& in);
HandlerSpec header(DirectiveInput& in);
HandlerSpec request_header(DirectiveInput& in);
HandlerSpec vars(DirectiveInput& in);
HandlerSpec basic_auth(DirectiveInput& in);
HandlerSpec encode(DirectiveInput& in);
HandlerSpec vulcain(DirectiveInput& in);
HandlerSpec handle(DirectiveInput& in);
HandlerSpec handle_path(DirectiveInput& in);
HandlerSpec route(DirectiveInput& in);
HandlerSpec respond(DirectiveInput& in);
HandlerSpec error(DirectiveInput& in);
HandlerSpec php_server(DirectiveInput& in);
HandlerSpec php(DirectiveInput& in);
HandlerSpec php_fastcgi(DirectiveInput& in);
HandlerSpec file_server(DirectiveInput& in);
HandlerSpec reverse_proxy(DirectiveInput& in);

// One header operation line (`header`, `request_header`, reverse_proxy's header_up/down) added to
// `spec`; `request`: it edits a request's headers.
void add_header_op(const std::vector<Token>& line, HeaderSpec& spec, bool request);
// An upstream address as reverse_proxy takes it (`host:port`, `http://host[:port]`, `:port`),
// as "host:port" (IPv6 in brackets). Fails at `t` for what Pogo cannot dial.
// `scheme` (when given) gets what the address was written with: "" (none), "http" or "https"
// (wss is https, ws http); an https address defaults to port 443.
std::string upstream_address(const Token& t, std::string* scheme = nullptr);
HandlerSpec mercure(DirectiveInput& in);
HandlerSpec intercept(DirectiveInput& in);
HandlerSpec copy_response(DirectiveInput& in);
HandlerSpec copy_response_headers(DirectiveInput& in);

// A response matcher (encode's `match`, intercept's and reverse_proxy's `@name`): `status` and
// `header` conditions on the segment's own line (after its name) and in its block. `context`
// starts the error messages ("encode match").
ResponseMatcherSpec response_matcher(const Segment& seg, const std::string& context);
// Whether `name` is a sub-directive of response handling: `@name`, handle_response, replace_status.
bool is_response_handling(const std::string& name);
// The response handling of intercept's or reverse_proxy's block (`directive`): the segments
// is_response_handling() names, the others left to the caller.
ResponseHandling parse_response_handling(DirectiveInput& in, const std::string& directive);

}  // namespace caddyfile::directives
