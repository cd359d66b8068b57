// The expression matcher's CEL subset as the Caddyfile reads it: what parses (and into which tree),
// what is refused and with which message, the matcher functions' arguments, and the Caddyfile
// forms (`expression ...`, `@name "..."`, inside `not`, several joined with &&).
#include <doctest/doctest.h>

#include "caddyfile/expression.h"
#include "config_test_util.h"

using namespace caddyfile;
using cel::Node;

namespace {

// A compact print of the tree: calls and operators in prefix form.
std::string show(const Node& n) {
    auto kids = [&](size_t from = 0) {
        std::string out;
        for (size_t i = from; i < n.children.size(); ++i) out += (i > from ? " " : "") + show(n.children[i]);
        return out;
    };
    switch (n.kind) {
        case Node::Kind::string: return "'" + n.text + "'";
        case Node::Kind::integer: return std::to_string(n.number);
        case Node::Kind::boolean: return n.number ? "true" : "false";
        case Node::Kind::null: return "null";
        case Node::Kind::list: return "[" + kids() + "]";
        case Node::Kind::map: return "{" + kids() + "}";
        case Node::Kind::placeholder: return "{" + n.text + "}";
        case Node::Kind::logical_not: return "(! " + kids() + ")";
        case Node::Kind::logical_and: return "(&& " + kids() + ")";
        case Node::Kind::logical_or: return "(|| " + kids() + ")";
        case Node::Kind::compare: return "(" + n.text + " " + kids() + ")";
        case Node::Kind::in: return "(in " + kids() + ")";
        case Node::Kind::conditional: return "(?: " + kids() + ")";
        case Node::Kind::call: return n.text + "(" + kids() + ")";
        case Node::Kind::method: return "(." + n.text + " " + kids() + ")";
    }
    return "?";
}

std::string parse_error(const std::string& text) {
    try {
        cel::parse(text);
    } catch (const cel::ExpressionError& e) {
        return e.what();
    }
    return "no error";
}

}  // namespace

TEST_CASE("expression: the CEL subset parses with CEL's precedence") {
    const std::pair<const char*, const char*> cases[] = {
        {"{path} == '/a'", "(== {path} '/a')"},
        {"{http.request.host} != \"example.com\"", "(!= {http.request.host} 'example.com')"},
        {"{header.X-Forwarded-Proto} == 'https'", "(== {header.X-Forwarded-Proto} 'https')"},
        {"{a} == 'x' || {b} == 'y' && !{c}.startsWith('z')",
         "(|| (== {a} 'x') (&& (== {b} 'y') (! (.startsWith {c} 'z'))))"},
        {"({a} == 'x' || {b} == 'y') && true", "(&& (|| (== {a} 'x') (== {b} 'y')) true)"},
        {"{port} >= 8000 && {port} < 0x2000", "(&& (>= {port} 8000) (< {port} 8192))"},
        {"{method} in ['GET', 'HEAD']", "(in {method} ['GET' 'HEAD'])"},
        {"{path}.matches('^/x/[0-9]+$') ? true : false", "(?: (.matches {path} '^/x/[0-9]+$') true false)"},
        {"matches({path}, r'\\d+')", "matches({path} '\\d+')"},
        {"'''tri'ple''' == \"\"\"q\"\"\"", "(== 'tri'ple' 'q')"},
        {"'a\\'b\\x41\\u00e9' == null", "(== 'a'bA\xc3\xa9' null)"},
        {"-1 < {x}", "(< -1 {x})"},
        {"path('/a', '/b*') && method('GET')", "(&& path('/a' '/b*') method('GET'))"},
        {"header({'Accept': ['a', 'b']})", "header({'Accept' ['a' 'b']})"},
        {"file() || file({'try_files': [{path}, 'index.php']})", "(|| file() file({'try_files' [{path} 'index.php']}))"},
        {"{path}.contains('x') && {path}.endsWith('.php')", "(&& (.contains {path} 'x') (.endsWith {path} '.php'))"},
    };
    for (const auto& [text, tree] : cases) {
        CAPTURE(text);
        CHECK(show(cel::parse(text)) == tree);
    }
}

TEST_CASE("expression: what is refused, by name") {
    const std::pair<const char*, const char*> cases[] = {
        {"{path}.all(x, x == 'a')", "unsupported function \"all\""},
        {"has(req.x)", "unsupported function \"has\""},
        {"size({path}) > 2", "unsupported function \"size\""},
        {"{path}.lowerAscii() == 'a'", "unsupported function \"lowerAscii\""},
        {"timestamp('2020') < now", "unsupported function \"timestamp\""},
        {"{port} + 1 == 81", "unsupported operator \"+\" (Pogo evaluates no arithmetic)"},
        {"{port} * 2 == 81", "unsupported operator \"*\" (Pogo evaluates no arithmetic)"},
        {"-{port} == 1", "unsupported operator \"-\" (Pogo evaluates no arithmetic)"},
        {"[1][0] == 1", "unsupported operator \"[]\" (indexing)"},
        {"{a}.b == 1", "unsupported field selection \".b\""},
        {"req == 1", "unknown name \"req\" (write placeholders in braces: {http.request.uri.path})"},
        {"1.5 < {x}", "floating-point numbers are not supported (1.5...)"},
        {"{path} == 'open", "unterminated string literal"},
        {"{path} ==", "unexpected end of expression"},
        {"({path} == 'a'", "expected \")\", got end of expression"},
        {"{path} == 'a' 'b'", "unexpected string \"b\" after the expression"},
        {"{path} = 'a'", "unexpected character \"=\""},
        {"'\\q'", "invalid escape \\q in a string literal"},
        {"   ", "empty expression"},
        {"path()", "path() takes at least 1 string argument, got 0"},
        {"path(1)", "path() takes string literals"},
        {"protocol('http', 'https')", "protocol() takes 1 string argument, got 2"},
        {"path_regexp('a', 'b', 'c')", "path_regexp() takes 1 to 2 string arguments, got 3"},
        {"header('X')", "header() takes one map argument, as in header({'key': 'value'})"},
        {"query({'a': 1})", "query(): values must be strings or lists of strings"},
        {"file({'roots': 'x'})", "file(): unsupported key \"roots\""},
        {"file({'try_policy': 'random'})", "file(): unknown try_policy \"random\""},
        {"remote_ip('forwarded')", "remote_ip(): forwarded is not supported"},
        {"{path}.startsWith('a', 'b')", "startsWith() takes one argument, got 2"},
    };
    for (const auto& [text, error] : cases) {
        CAPTURE(text);
        CHECK(parse_error(text) == std::string("expression matcher: ") + error);
    }
    CHECK(parse_error(std::string(5000, '(') + "true" + std::string(5000, ')')) ==
          "expression matcher: expression nested too deeply");
    CHECK(parse_error(std::string(5000, '!') + "true") == "expression matcher: expression nested too deeply");
    CHECK(show(cel::parse(std::string(50, '(') + "true" + std::string(50, ')'))) == "true");
}

TEST_CASE("expression: matcher functions stand for matcher sets") {
    auto set = [](const char* text) { return cel::matcher_call_set(cel::parse(text), "m"); };
    CHECK(set("path('/a', ['/b'])").paths == std::vector<std::string>{"/a", "/b"});
    CHECK(set("method('get', 'POST')").methods == std::vector<std::string>{"GET", "POST"});
    CHECK(set("host('example.com')").hosts == std::vector<std::string>{"example.com"});
    CHECK(set("remote_ip('10.0.0.0/8')").remote_ips == std::vector<std::string>{"10.0.0.0/8"});
    CHECK(set("client_ip('private_ranges')").client_ips == std::vector<std::string>{"private_ranges"});
    CHECK(set("protocol('https')").protocols == std::vector<std::string>{"https"});
    CHECK(set("path_regexp('^/x')").path_regexps[0] == std::pair<std::string, std::string>{"m", "^/x"});
    CHECK(set("path_regexp('ver', '^/v([0-9])')").path_regexps[0] ==
          std::pair<std::string, std::string>{"ver", "^/v([0-9])"});
    auto hr = set("header_regexp('Cookie', 'sess=(.*)')").header_regexps;
    REQUIRE(hr.size() == 1);
    CHECK(hr[0].first == "m");
    CHECK(hr[0].second == std::pair<std::string, std::string>{"Cookie", "sess=(.*)"});
    auto h = set("header({'X-A': 'v', 'X-B': ['1', '2'], 'X-C': null})").headers;
    REQUIRE(h.size() == 3);
    CHECK(h[1].second == std::vector<std::string>{"1", "2"});
    CHECK(h[2].second.empty());  // present, any value
    auto q = set("query({'debug': '1', 'id': ['a', 'b']})").query;
    CHECK(q == std::vector<std::pair<std::string, std::string>>{{"debug", "1"}, {"id", "a"}, {"id", "b"}});
    CHECK(set("vars({'{magic}': ['3', '5']})").vars[0].second == std::vector<std::string>{"3", "5"});
    CHECK(set("vars_regexp('env', '^prod')").vars_regexps[0].second.first == "env");
    auto f = set("file({'root': '/srv', 'try_files': ['{path}', '/index.php'], 'split_path': ['.php'], "
                 "'try_policy': 'first_exist_fallback'})")
                 .file;
    REQUIRE(f);
    CHECK(f->root == "/srv");
    CHECK(f->try_files == std::vector<std::string>{"{path}", "/index.php"});
    CHECK(f->split_path == std::vector<std::string>{".php"});
    CHECK(f->try_policy == "first_exist_fallback");
    CHECK(set("file()").file->try_files == std::vector<std::string>{"{path}"});
    CHECK(set("file('{path}.html')").file->try_files == std::vector<std::string>{"{path}.html"});
}

TEST_CASE("expression: the Caddyfile forms") {
    Config c = test::load(R"(:80 {
	@a expression {path}.startsWith("/api") && method('GET')
	@b "{http.request.header.X-Debug} == '1'"
	@c `path('/x') || {query.v} in ['1', '2']`
	@d {
		not expression {method} == 'POST'
		expression host('example.com')
		expression "{scheme} == 'http'"
	}
	respond @a "a"
}
)");
    const auto& ms = c.sites[0].matchers;
    REQUIRE(ms.size() == 4);
    CHECK(ms[0].set.expression == "{path}.startsWith(\"/api\") && method('GET')");
    CHECK(ms[1].set.expression == "{http.request.header.X-Debug} == '1'");
    CHECK(ms[2].set.expression == "path('/x') || {query.v} in ['1', '2']");
    REQUIRE(ms[3].set.nots.size() == 1);
    CHECK(ms[3].set.nots[0].expression == "{method} == 'POST'");
    CHECK(ms[3].set.expression == "(host('example.com')) && ({scheme} == 'http')");

    CHECK(test::load_error(":80 {\n\t@x {\n\t\tpath /a\n\t\texpression {path}.exists(p, true)\n\t}\n}") ==
          "/app/Caddyfile:4: expression matcher: unsupported function \"exists\"");
    CHECK(test::load_error(":80 {\n\t@x \"lower({path}) == 'a'\"\n}") ==
          "/app/Caddyfile:2: expression matcher: unsupported function \"lower\"");
}

TEST_CASE("vars matchers and the vars directive in the Caddyfile") {
    Config c = test::load(R"(:80 {
	vars tier gold
	vars /api/* {
		area api
		trace {header.X-Trace}
	}
	@gold vars tier gold silver
	@gold2 {
		vars {vars.area} api
		vars_regexp tr trace ^([a-z]+)-
	}
	respond @gold "gold"
}
)");
    const Site& s = c.sites[0];
    REQUIRE(s.handlers.size() >= 2);
    // sorted as Caddy sorts one directive's handlers: the one with a path first
    CHECK(s.handlers[0].match.value == "/api/*");
    CHECK(std::get<VarsSpec>(s.handlers[0].spec).vars == KeyValues{{"area", "api"}, {"trace", "{header.X-Trace}"}});
    CHECK(std::get<VarsSpec>(s.handlers[1].spec).vars == KeyValues{{"tier", "gold"}});
    CHECK(s.matchers[0].set.vars[0].second == std::vector<std::string>{"gold", "silver"});
    CHECK(s.matchers[1].set.vars[0].first == "{vars.area}");
    CHECK(s.matchers[1].set.vars_regexps[0].first == "tr");
    CHECK(s.matchers[1].set.vars_regexps[0].second == std::pair<std::string, std::string>{"trace", "^([a-z]+)-"});

    CHECK(test::load_error(":80 {\n\tvars a\n}") == "/app/Caddyfile:2: missing argument for \"vars\"");
    CHECK(test::load_error(":80 {\n\tvars {\n\t\ta b c\n\t}\n}") ==
          "/app/Caddyfile:3: vars: expected one name and one value per line");
    CHECK(test::load_error(":80 {\n\t@m map x\n}") ==
          "/app/Caddyfile:2: matcher \"map\" does not exist: map is a directive (not supported by Pogo); match its "
          "output with vars");
}

TEST_CASE("request_header and header regexp replace in the Caddyfile") {
    Config c = test::load(R"(:80 {
	request_header X-Real +added
	request_header -Cookie
	request_header /api/* Accept json$ xml
	header Location ^http://(.*)$ https://$1
	header {
		>Server pogo
		?Cache-Control no-store
	}
}
)");
    const Site& s = c.sites[0];
    std::vector<HeaderSpec> req, resp;
    for (const Handler& h : s.handlers)
        (h.directive == "request_header" ? req : resp).push_back(std::get<HeaderSpec>(h.spec));
    REQUIRE(req.size() == 3);  // the one with a path first, then as written
    CHECK(req[0].ops[0].op == HeaderOp::Op::replace);
    CHECK(req[0].ops[0].value == "json$");
    CHECK(req[0].ops[0].replacement == "xml");
    CHECK(req[1].ops[0].op == HeaderOp::Op::set);
    CHECK(req[1].ops[0].value == "+added");
    CHECK(req[2].ops[0].op == HeaderOp::Op::remove);
    CHECK_FALSE(req[2].defer);
    REQUIRE(resp.size() == 2);
    CHECK(resp[0].ops[0].op == HeaderOp::Op::replace);
    CHECK(resp[0].ops[0].value == "^http://(.*)$");
    CHECK(resp[1].defer);
    CHECK(test::load_error(":80 {\n\trequest_header ?X y\n}") ==
          "/app/Caddyfile:2: request_header ?X: the default header modifier ('?') can only be used on response "
          "headers; for conditional manipulation of request headers, use matchers");
    CHECK(test::load_error(":80 {\n\trequest_header\n}") == "/app/Caddyfile:2: missing argument for \"request_header\"");
}
