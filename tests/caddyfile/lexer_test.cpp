// Lexer rules, one table row per rule: the tokens (line:text, `q` marks a quoted token) or the
// exact error.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "caddyfile/error.h"
#include "caddyfile/lexer.h"

using namespace caddyfile;

namespace {

std::string render(const std::vector<Token>& tokens) {
    std::string out;
    for (const Token& t : tokens) {
        if (!out.empty()) out += " | ";
        out += std::to_string(t.line) + (t.starts_line ? "^" : "") + (t.quoted() ? "q" : "") + ":" + t.text;
    }
    return out;
}

std::string lex_error(const std::string& input) {
    try {
        lex(input, "Caddyfile");
    } catch (const Error& e) {
        return e.what();
    }
    return "no error";
}

struct Case {
    const char* name;
    std::string input;
    std::string tokens;
};

}  // namespace

TEST_CASE("lexer: tokens and lines") {
    const Case cases[] = {
        {"words split on whitespace", "a  b\tc\n d", "1^:a | 1:b | 1:c | 2^:d"},
        {"empty input", "", ""},
        {"comment at token start", "a # comment here\nb", "1^:a | 2^:b"},
        {"hash inside a token is literal", "a#b c", "1^:a#b | 1:c"},
        {"comment on its own line", "# one\n# two\nx", "3^:x"},
        {"double quotes keep spaces", "say \"hello world\"", "1^:say | 1q:hello world"},
        {"escaped quote", R"(a "x \"y\" z")", R"(1^:a | 1q:x "y" z)"},
        {"other backslashes kept in quotes", R"("a\nb\\c")", R"(1^q:a\nb\\c)"},
        {"newline inside quotes", "\"a\nb\" c\nd", "1^q:a\nb | 2:c | 3^:d"},
        {"quote in the middle of a word is literal", "a\"b\"", "1^:a\"b\""},
        {"closing quote ends the token", "\"a\"b", "1^q:a | 1:b"},
        {"empty quoted token", "a \"\" b", "1^:a | 1q: | 1:b"},
        {"backticks are raw", "a `x \\\" \"y\"`", "1^:a | 1q:x \\\" \"y\""},
        {"backtick across lines", "`a\nb`\nc", "1^q:a\nb | 3^:c"},
        {"braces are tokens", "a {\n}\n", "1^:a | 1:{ | 2^:}"},
        {"brace glued to a word", "a{ }b", "1^:a{ | 1:}b"},
        {"quoted brace is not structural", "\"{\"", "1^q:{"},
        {"line continuation", "a \\\n  b\nc", "1^:a | 2:b | 3^:c"},
        {"continuation glued to a word", "a\\\nb", "1^:a | 2:b"},
        {"backslash kept inside a word", "a\\b", "1^:a\\b"},
        {"CRLF", "a b\r\nc\r\n", "1^:a | 1:b | 2^:c"},
        {"BOM stripped", "\xEF\xBB\xBF" "a", "1^:a"},
        {"placeholders are plain text", "rewrite {path} /x?{query}", "1^:rewrite | 1:{path} | 1:/x?{query}"},
        {"heredoc", "respond <<EOF\n\thello\n\t  world\n\tEOF 200\nx", "1^:respond | 1q:hello\n  world | 4:200 | 5^:x"},
        {"heredoc without indentation", "a <<END\nx\n\ny\nEND\nb", "1^:a | 1q:x\n\ny | 6^:b"},
        {"heredoc marker with space is a word", "a <<EOF b", "1^:a | 1:<<EOF | 1:b"},
        {"heredoc marker with trailing blanks", "a <<EOF  \nx\nEOF", "1^:a | 1q:x"},
        {"escaped heredoc", "a \\<<EOF\nb", "1^:a | 1:<<EOF | 2^:b"},
        {"heredoc at end of input is a word", "a <<EOF", "1^:a | 1:<<EOF"},
        {"line numbers after heredoc", "a <<X\n1\n2\nX\nb", "1^:a | 1q:1\n2 | 5^:b"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.name);
        CHECK(render(lex(c.input, "Caddyfile")) == c.tokens);
    }
}

TEST_CASE("lexer: errors") {
    const std::pair<std::string, std::string> cases[] = {
        {"a \"open", "Caddyfile:1: unterminated quoted string: missing closing '\"'"},
        {"a\nb `open\nmore", "Caddyfile:2: unterminated backtick string: missing closing '`'"},
        {"respond <<EOF\nhello\n", "Caddyfile:1: unterminated heredoc <<EOF: expected a line with EOF to close it"},
        {"respond <<\nx\n", "Caddyfile:1: missing heredoc marker after '<<': use letters, digits, '-' and '_', e.g. <<END"},
        {"respond <<<EOF\nx\nEOF\n", "Caddyfile:1: too many '<' for a heredoc: use two, e.g. <<END"},
        {"respond <<E.F\nx\nE.F\n",
         "Caddyfile:1: invalid heredoc marker \"E.F\": use only letters, digits, '-' and '_'"},
        {"respond <<EOF\n\tok\n  bad\n\tEOF\n",
         "Caddyfile:3: heredoc <<EOF: line \"  bad\" is not indented like the closing marker (expected it to "
         "start with \"\t\")"},
    };
    for (const auto& [input, error] : cases) {
        CAPTURE(input);
        CHECK(lex_error(input) == error);
    }
}

TEST_CASE("lexer: scan keeps comments, raw text and line breaks for the formatter") {
    std::vector<Lexeme> lx = scan("a \"b c\" # note\n\n\td", "F");
    REQUIRE(lx.size() == 4);
    CHECK(lx[1].raw == "\"b c\"");
    CHECK(lx[1].text == "b c");
    CHECK(lx[2].kind == Lexeme::Kind::comment);
    CHECK(lx[2].text == "# note");
    CHECK(lx[3].newlines_before == 2);
    CHECK(lx[3].line == 3);
    std::vector<Lexeme> cont = scan("a \\\n b", "F");
    REQUIRE(cont.size() == 2);
    CHECK(cont[1].continued);
    CHECK(cont[1].newlines_before == 0);
}
