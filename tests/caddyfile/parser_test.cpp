// Parser: the tree (keys, segments, nesting), snippets, imports, env expansion, and each error.
#include <doctest/doctest.h>

#include <map>
#include <string>

#include "caddyfile/error.h"
#include "caddyfile/parser.h"

using namespace caddyfile;

namespace {

const std::string kFixtures = CADDYFILE_FIXTURES;

std::string render(const std::vector<Segment>& segs);

std::string render(const Segment& s) {
    std::string out;
    for (const Token& t : s.tokens) out += (out.empty() ? "" : " ") + t.text;
    if (s.has_block) out += " {" + render(s.block) + "}";
    return out;
}

std::string render(const std::vector<Segment>& segs) {
    std::string out;
    for (const Segment& s : segs) out += (out.empty() ? "" : "; ") + render(s);
    return out;
}

std::string render(const std::vector<ServerBlock>& blocks) {
    std::string out;
    for (const ServerBlock& b : blocks) {
        if (!out.empty()) out += "\n";
        if (b.is_global()) out += "GLOBAL";
        for (const Token& k : b.keys) out += (k.text == b.keys.front().text ? "" : ",") + k.text;
        out += b.has_braces ? " {" + render(b.segments) + "}" : " =" + render(b.segments);
    }
    return out;
}

ParseOptions env_options(std::map<std::string, std::string> vars) {
    ParseOptions o;
    o.env = [vars](const std::string& name) -> std::optional<std::string> {
        auto it = vars.find(name);
        if (it == vars.end()) return std::nullopt;
        return it->second;
    };
    return o;
}

std::string parse_error(const std::string& input, const ParseOptions& options = env_options({})) {
    try {
        parse(input, "Caddyfile", options);
    } catch (const Error& e) {
        return e.what();
    }
    return "no error";
}

std::string file_error(const std::string& path) {
    try {
        parse_file(path, env_options({}));
    } catch (const Error& e) {
        return e.what();
    }
    return "no error";
}

}  // namespace

TEST_CASE("parser: structure") {
    const std::pair<std::string, std::string> cases[] = {
        {"", ""},
        {":8080 {\n\trespond hi\n}", ":8080 {respond hi}"},
        {"{\n\tdebug\n}\n:80 {\n}", "GLOBAL {debug}\n:80 {}"},
        {"a.com, b.com {\n}", "a.com,b.com {}"},
        {"a.com b.com {\n}", "a.com,b.com {}"},
        {"a.com,\nb.com {\n}", "a.com,b.com {}"},
        {"a.com , b.com {\n}", "a.com,b.com {}"},
        {"a.com\n{\n\trespond x\n}", "a.com {respond x}"},
        {":80\nrespond hi\nfile_server", ":80 =respond hi; file_server"},
        {":80", ":80 ="},
        {":80 {\n\troute {\n\t\theader {\n\t\t\tX a\n\t\t}\n\t\trespond y\n\t}\n}",
         ":80 {route {header {X a}; respond y}}"},
        {":80 {\n\t@api {\n\t\tpath /api/*\n\t}\n\t@get method GET\n}", ":80 {@api {path /api/*}; @get method GET}"},
        {":80 {\n\trespond \"{\" 200\n}", ":80 {respond { 200}"},
        {":80 {\n\tfoo a \\\n\t\tb\n}", ":80 {foo a b}"},
        {"(snip) {\n\trespond {args[0]} {args[1]}\n}\n:80 {\n\timport snip hi 201\n}", ":80 {respond hi 201}"},
        {"(snip) {\n\tfoo {args[:]}\n}\n:80 {\n\timport snip a b c\n}", ":80 {foo a b c}"},
        {"(snip) {\n\tfoo {args[1:]}\n\tbar x{args[0]}y\n}\n:80 {\n\timport snip a b c\n}",
         ":80 {foo b c; bar xay}"},
        {"(snip) {\n\tfoo {args[:1]}\n}\n:80 {\n\timport snip a b\n}", ":80 {foo a}"},
        {"(snip) {\n\tfoo {args.0} {args[1]}\n}\n:80 {\n\timport snip a b\n}", ":80 {foo a b}"},
        {"(snip) {\n\tfoo {args[:]}\n}\n:80 {\n\timport snip\n}", ":80 {foo}"},
        {"(snip) {\n}\n:80 {\n\timport snip\n\trespond x\n}", ":80 {respond x}"},
        {"(snip) {\n\tfoo\n}\n{\n\tdebug\n}\n:80 {\n}", "GLOBAL {debug}\n:80 {}"},
        {"(site) {\n\trespond {args[0]}\n}\na.com {\n\timport site a\n}\nb.com {\n\timport site b\n}",
         "a.com {respond a}\nb.com {respond b}"},
        {"(outer) {\n\timport inner {args[0]}\n}\n(inner) {\n\tr {args[0]}\n}\n:80 {\n\timport outer z\n}", ":80 {r z}"},
        {":80 {\n\theader {\n\t\timport h\n\t}\n}\n", "no-snippet"},
    };
    for (const auto& [input, tree] : cases) {
        CAPTURE(input);
        if (tree == "no-snippet") {
            CHECK(parse_error(input) ==
                  "Caddyfile:3: import file \"h\" not found (looked for h)");
            continue;
        }
        CHECK(render(parse(input, "Caddyfile", env_options({}))) == tree);
    }
}

TEST_CASE("parser: environment variables are expanded before lexing") {
    ParseOptions o = env_options({{"NAME", "example.com"}, {"GLOBAL", "debug\n\tadmin off"},
                                  {"EMPTY", ""}, {"TWO", "a b"}});
    const std::pair<std::string, std::string> cases[] = {
        {"{$NAME} {\n}", "example.com {}"},
        {"{$UNSET:localhost} {\n}", "localhost {}"},
        {"{$EMPTY:default} x {\n}", "x {}"},
        {"{\n\t{$GLOBAL}\n}", "GLOBAL {debug; admin off}"},
        {":80 {\n\tfoo {$TWO} {path} {env.X} {$UNSET}\n}", ":80 {foo a b {path} {env.X}}"},
        {":80 {\n\trespond \"{$NAME}\"\n}", ":80 {respond example.com}"},
        {":80 {\n\tfoo {$}\n}", ":80 {foo {$}}"},
    };
    for (const auto& [input, tree] : cases) {
        CAPTURE(input);
        CHECK(render(parse(input, "Caddyfile", o)) == tree);
    }
    // a value with line breaks does not shift the line numbers after it
    CHECK(parse_error("{\n\t{$GLOBAL}\n}\n:80 {\n\tfoo }\n}", o) ==
          "Caddyfile:5: unexpected '}' at the end of a line: put it on a line of its own");
    CHECK(parse_error("{$GLOBAL}\n\"open", o) == "Caddyfile:2: unterminated quoted string: missing closing '\"'");
    std::vector<ServerBlock> blocks = parse("{\n\t{$GLOBAL}\n\tx\n}", "Caddyfile", o);
    CHECK(blocks[0].segments[1].name().line == 2);
    CHECK(blocks[0].segments[2].name().line == 3);
}

TEST_CASE("parser: errors") {
    const std::pair<std::string, std::string> cases[] = {
        {":80 {\n\trespond hi\n", "Caddyfile:1: unclosed '{': expected '}' before the end of the file"},
        {":80 {\n\troute {\n\t\trespond hi\n}", "Caddyfile:1: unclosed '{': expected '}' before the end of the file"},
        {"}\n", "Caddyfile:1: unexpected '}': no block is open"},
        {":80 {\n}\n}\n", "Caddyfile:3: unexpected '}': no block is open"},
        {":80\nrespond hi\n}", "Caddyfile:3: unexpected '}': no block is open"},
        {":80 {\n\troute { respond hi\n\t}\n}",
         "Caddyfile:2: unexpected 'respond' after '{' on the same line: expected a new line"},
        {":80 {\n\troute\n\t{\n\t}\n}",
         "Caddyfile:3: unexpected '{' at the start of a line: put it at the end of the previous line"},
        {":80 {\n\troute {\n\t} x\n}", "Caddyfile:3: unexpected 'x' after '}' on the same line: expected a new line"},
        {":80 {\n} :81 {\n}", "Caddyfile:2: unexpected ':81' after '}' on the same line: expected a new line"},
        {":80 {\n\trespond hi }\n", "Caddyfile:2: unexpected '}' at the end of a line: put it on a line of its own"},
        {":80 {\n\tphp_server {}\n}", "Caddyfile:2: unexpected '{}' at the end of a line: write '{' and '}' on separate lines"},
        {":80 {\n}\n{\n\tdebug\n}",
         "Caddyfile:3: unexpected '{': the global options block must come before every site, and a site block needs an "
         "address before its '{'"},
        {"a.com, {\n}", "Caddyfile:1: expected another site address after ',' but found '{'"},
        {"a.com,", "Caddyfile:1: expected another site address after ','"},
        {"a.com,b.com {\n}", "Caddyfile:1: site address \"a.com,b.com\" contains ',': put a space after the comma"},
        {"a.com{\n}", "Caddyfile:1: site address \"a.com{\" ends with '{': put a space before the '{'"},
        {"@api path /api/*\n:80 {\n\trespond hi\n}",
         "Caddyfile:1: named matcher \"@api\" is defined outside a site block: define it inside the site that uses it"},
        {":80 {\n\t(snip) {\n\t\trespond x\n\t}\n}",
         "Caddyfile:2: snippet (snip) must be defined at the top level, not inside a block"},
        {"(s) {\n\tx\n}\n(s) {\n\ty\n}", "Caddyfile:4: snippet (s) is already defined at Caddyfile:1"},
        {"(s) {\n\tx\n", "Caddyfile:1: unclosed '{' of snippet (s): expected '}' before the end of the file"},
        {"(s) {\n\timport s\n}\n:80 {\n\timport s\n}",
         "Caddyfile:2: import cycle: Caddyfile:5 imports s, Caddyfile:2 imports s again (imported at Caddyfile:5)"},
        {":80 {\n\timport\n}", "Caddyfile:2: import needs a file path or a snippet name"},
        {":80 {\n\timport \"\"\n}", "Caddyfile:2: import needs a non-empty file path or snippet name"},
        {"(s) {\n\tr {args[1]}\n}\n:80 {\n\timport s a\n}",
         "Caddyfile:2: placeholder {args[1]} is out of range: the import gave 1 argument(s) (imported at Caddyfile:5)"},
        {"(s) {\n\tr {args[0:3]}\n}\n:80 {\n\timport s a\n}",
         "Caddyfile:2: placeholder {args[0:3]} is out of range: the import gave 1 argument(s) (imported at Caddyfile:5)"},
        {"(s) {\n\tr x{args[0:]}\n}\n:80 {\n\timport s a\n}",
         "Caddyfile:2: placeholder {args[0:]} must be a token of its own (imported at Caddyfile:5)"},
        {":80 {\n\timport a*b*.caddy\n}", "Caddyfile:2: import pattern \"a*b*.caddy\" may contain only one wildcard"},
        {":80 {\n\timport s {\n\t}\n}", "Caddyfile:2: import with a block of arguments is not supported"},
        {"&(route) {\n}", "Caddyfile:1: named routes (&(route)) are not supported by Pogo"},
        {":80 \"unterminated\n", "Caddyfile:1: unterminated quoted string: missing closing '\"'"},
    };
    for (const auto& [input, error] : cases) {
        CAPTURE(input);
        CHECK(parse_error(input) == error);
    }
}

TEST_CASE("parser: nesting depth is bounded") {
    std::string deep = ":80 {\n";
    for (int i = 0; i < 101; ++i) deep += "a {\n";
    CHECK(parse_error(deep) == "Caddyfile:102: blocks are nested too deeply (more than 100)");
}

TEST_CASE("parser: imports from files") {
    std::vector<ServerBlock> blocks = parse_file(kFixtures + "/imports/main.caddy", env_options({}));
    CHECK(render(blocks) ==
          "a.example.com {respond a}\nb.example.com {respond b}\n"
          ":8080 {header X-Common yes; file_server; respond hello there 201}");
    // every token knows its file, line and import chain
    const Segment& header = blocks[2].segments[0];
    CHECK(header.name().file == kFixtures + "/imports/header.caddy");
    CHECK(header.name().line == 4);
    REQUIRE(header.name().imports);
    CHECK(header.name().imports->file == kFixtures + "/imports/main.caddy");
    CHECK(header.name().imports->line == 6);
    const Segment& fs = blocks[2].segments[1];
    CHECK(fs.name().line == 2);
    REQUIRE(fs.name().imports);
    CHECK(fs.name().imports->snippet);
    CHECK(fs.name().imports->line == 7);

    const std::string dir = kFixtures + "/imports/";
    CHECK(file_error(dir + "missing.caddy") == dir + "missing.caddy:2: import file \"does-not-exist.caddy\" not found (looked for " +
                                                   dir + "does-not-exist.caddy)");
    CHECK(file_error(dir + "cycle/one.caddy") ==
          dir + "cycle/two.caddy:2: import cycle: " + dir + "cycle/one.caddy:2 imports " + dir + "cycle/two.caddy, " + dir +
              "cycle/two.caddy:2 imports " + dir + "cycle/one.caddy, which is already being imported (imported at " + dir +
              "cycle/one.caddy:2)");
    CHECK(file_error(dir + "uses_bad.caddy") ==
          dir + "bad_inside.caddy:2: unexpected '}' at the end of a line: put it on a line of its own (imported at " + dir +
              "uses_bad.caddy:2)");
    CHECK(file_error(dir + "nope.caddy") == dir + "nope.caddy: cannot read the file");
}

TEST_CASE("parser: in-memory files") {
    MemoryFileSystem fs;
    fs.add("/etc/Caddyfile", "import conf.d/*\n");
    fs.add("/etc/conf.d/one", ":81 {\n\trespond {$GREETING:hi}\n}\n");
    ParseOptions o = env_options({});
    o.fs = &fs;
    CHECK(render(parse_file("/etc/Caddyfile", o)) == ":81 {respond hi}");
}
