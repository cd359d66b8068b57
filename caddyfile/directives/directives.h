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
HandlerSpec mercure(DirectiveInput& in);

}  // namespace caddyfile::directives
