// Formatter: input -> exactly what `caddy fmt` prints, and formatting twice changes nothing.
#include <doctest/doctest.h>

#include <string>

#include "caddyfile/error.h"
#include "caddyfile/formatter.h"

using caddyfile::format;

namespace {

struct Case {
    const char* name;
    std::string input;
    std::string expected;
};

}  // namespace

TEST_CASE("formatter: cases and idempotence") {
    const Case cases[] = {
        {"empty", "", "\n"},
        {"only whitespace", " \n\n\t\n", "\n"},
        {"indents with tabs", ":80 {\n    respond hi\n}\n", ":80 {\n\trespond hi\n}\n"},
        {"one space between tokens", ":80   {\n\trespond    hi     200\n}", ":80 {\n\trespond hi 200\n}\n"},
        {"nested blocks", ":80 {\nroute {\nheader {\nX a\n}\n}\n}",
         ":80 {\n\troute {\n\t\theader {\n\t\t\tX a\n\t\t}\n\t}\n}\n"},
        {"brace moves up to the line it opens", "example.com\n{\n\troot * /srv\n}",
         "example.com {\n\troot * /srv\n}\n"},
        {"at most one blank line", ":80 {\n\ta\n\n\n\n\tb\n}", ":80 {\n\ta\n\n\tb\n}\n"},
        {"no blank line after { or before }", ":80 {\n\n\ta\n\n}", ":80 {\n\ta\n}\n"},
        {"blank lines between top-level blocks kept, not added", "a.com {\n}\nb.com {\n}\n\n\nc.com {\n}",
         "a.com {\n}\nb.com {\n}\n\nc.com {\n}\n"},
        {"word on the line of a top-level }", ":80 {\n} :81 {\n}", ":80 {\n}\n\n:81 {\n}\n"},
        {"brace after a top-level }", "(s) {\n}\n{\n}", "(s) {\n}\n\n{\n}\n"},
        {"global options block", "{\ndebug\n}\n\n:80 {\nrespond x\n}", "{\n\tdebug\n}\n\n:80 {\n\trespond x\n}\n"},
        {"comments kept and indented", "# top\n:80 {\n# inside\n    respond x # trailing\n}",
         "# top\n:80 {\n\t# inside\n\trespond x # trailing\n}\n"},
        {"comment trailing blanks dropped", "# c   \n:80", "# c\n:80\n"},
        {"hash inside token is not a comment", ":80 {\nrespond a#b\n}", ":80 {\n\trespond a#b\n}\n"},
        {"quoted text verbatim", ":80 {\n  respond   \"a   b\\\"c\"   `x  y`\n}",
         ":80 {\n\trespond \"a   b\\\"c\" `x  y`\n}\n"},
        {"multi-line quoted token verbatim", ":80 {\n  respond \"line1\n   line2\"\n}",
         ":80 {\n\trespond \"line1\n   line2\"\n}\n"},
        {"plain word like a heredoc opener is escaped", ":80 {\n\trespond <<EOF }", ":80 {\n\trespond \\<<EOF\n}\n"},
        {"unlabelled nested blocks", "\t{\n{ t\n\t\tu\n\n\tv\n\nw\n}\n}", "{\n\t{\n\t\tt\n\t\tu\n\n\t\tv\n\n\t\tw\n\t}\n}\n"},
        {"block opened and closed mid-line", "m {\n\tp { q r\ns }\n}", "m {\n\tp {\n\t\tq r\n\t\ts\n\t}\n}\n"},
        {"comment after { moves into the block", "h { # i\n}", "h {\n\t# i\n}\n"},
        {"heredoc verbatim", ":80 {\n  respond <<HTML\n    <p>hi</p>\n    HTML 200\n}",
         ":80 {\n\trespond <<HTML\n    <p>hi</p>\n    HTML 200\n}\n"},
        {"line continuation", ":80 {\n\treverse a \\\n      b\n}", ":80 {\n\treverse a \\\n\t\tb\n}\n"},
        {"CRLF becomes LF", ":80 {\r\n\trespond x\r\n}\r\n", ":80 {\n\trespond x\n}\n"},
        {"several CRs before LF", ":80 {\r\r\n\trespond <<X\r\r\n\ta\r\r\r\n\tX\r\n}", ":80 {\n\trespond <<X\n\ta\n\tX\n}\n"},
        {"tokens after { go to the next line", ":80 { respond x\n}", ":80 {\n\trespond x\n}\n"},
        {"closing brace on its own line", ":80 {\n\trespond x }", ":80 {\n\trespond x\n}\n"},
        {"placeholders and env untouched", "{$SITE:localhost} {\n\trewrite {path} /i?{query}\n}",
         "{$SITE:localhost} {\n\trewrite {path} /i?{query}\n}\n"},
        {"snippet", "(s) {\nfoo {args[0]}\n}\n:80 {\nimport s a\n}", "(s) {\n\tfoo {args[0]}\n}\n:80 {\n\timport s a\n}\n"},
        {"comment between blocks", "a {\n}\n# about b\nb {\n}", "a {\n}\n# about b\nb {\n}\n"},
        {"stray closing brace", "}\n:80", "}\n:80\n"},
        {"brace after comment stays on its own line", ":80 # note\n{\n}", ":80 # note\n{\n}\n"},
        {"BOM dropped", "\xEF\xBB\xBF:80", ":80\n"},
        {"word starting with a BOM keeps it", "\\\n\xEF\xBB\xBF" "x", "\xEF\xBB\xBF\xEF\xBB\xBF" "x\n"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.name);
        std::string once = format(c.input);
        CHECK(once == c.expected);
        CHECK(format(once) == once);
    }
}

TEST_CASE("formatter: reports what the lexer rejects") {
    CHECK_THROWS_WITH_AS(format(":80 {\n\trespond \"open\n}\n"), "Caddyfile:2: unterminated quoted string: missing closing '\"'",
                         caddyfile::Error);
}
