// mercure/uri_template.h: matching concrete IRIs against RFC 6570 templates the way the reference
// hub's compiled regular expressions do, and clear errors for templates that do not parse.
#include "mercure/uri_template.h"

#include <doctest/doctest.h>

#include <random>
#include <regex>
#include <string>
#include <vector>

using pogo::mercure::UriTemplate;

namespace {

UriTemplate compiled(const std::string& text) {
    std::string error;
    auto t = UriTemplate::compile(text, &error);
    INFO(text << ": " << error);
    REQUIRE(t);
    return *t;
}

struct Case {
    const char* tpl;
    const char* iri;
    bool match;
};

}  // namespace

TEST_CASE("uri template: matching, operator by operator") {
    const std::vector<Case> cases = {
        // Literals only: exact.
        {"https://example.com/books", "https://example.com/books", true},
        {"https://example.com/books", "https://example.com/books/", false},
        // Simple: unreserved, ',' and %XX; no '/', no '?'; the value may be empty.
        {"https://example.com/books/{id}", "https://example.com/books/1", true},
        {"https://example.com/books/{id}", "https://example.com/books/the-lord_of.the~rings", true},
        {"https://example.com/books/{id}", "https://example.com/books/a%20b", true},
        {"https://example.com/books/{id}", "https://example.com/books/1,2", true},
        {"https://example.com/books/{id}", "https://example.com/books/", true},
        {"https://example.com/books/{id}", "https://example.com/books/1/chapters", false},
        {"https://example.com/books/{id}", "https://example.com/books/1?x", false},
        {"https://example.com/books/{id}", "https://example.com/books/a%2", false},
        {"https://example.com/books/{id}", "https://example.com/books/a=b", false},
        {"https://example.com/books/{id}", "https://example.org/books/1", false},
        {"https://example.com/books/{id}.json", "https://example.com/books/1.json", true},
        {"https://example.com/books/{id}/chapters/{ch}", "https://example.com/books/1/chapters/2", true},
        {"https://example.com/books/{id}/chapters/{ch}", "https://example.com/books/1/chapters", false},
        // Non-ASCII characters are never part of a value (they would be %-encoded).
        {"https://example.com/{name}", "https://example.com/caf\xc3\xa9", false},
        {"https://example.com/caf\xc3\xa9/{id}", "https://example.com/caf\xc3\xa9/1", true},
        // Reserved (+) and fragment (#) let reserved characters through.
        {"{+base}/books", "https://example.com/api/books", true},
        {"{+base}/books", "https://example.com/api/bookz", false},
        {"https://example.com/{+path}", "https://example.com/a/b?c=d#e", true},
        {"https://example.com/x{#frag}", "https://example.com/x#a/b,c", true},
        {"https://example.com/x{#frag}", "https://example.com/x", true},
        {"https://example.com/x{#frag}", "https://example.com/xa", false},
        // Label (.), path segments (/): prefix and separator; the separator is a value character
        // for ".", not for "/", so "/" counts separators.
        {"https://example.com/file{.ext}", "https://example.com/file.json", true},
        {"https://example.com/file{.ext}", "https://example.com/file.tar.gz", true},
        {"https://example.com/file{.ext}", "https://example.com/filejson", false},
        {"https://example.com{/a}", "https://example.com/x", true},
        {"https://example.com{/a}", "https://example.com/x/y", false},
        {"https://example.com{/a,b}", "https://example.com/x/y", true},
        {"https://example.com{/a,b}", "https://example.com/x/y/z", false},
        {"https://example.com{/path*}", "https://example.com/x/y/z", true},
        {"https://example.com{/path*}", "https://example.com", true},
        {"https://example.com{/path*}", "https://example.comx", false},
        // Named operators: ";", "?", "&" allow '=' in values.
        {"https://example.com/m{;x,y}", "https://example.com/m;x=1;y=2", true},
        {"https://example.com/m{;x,y}", "https://example.com/m;x=1;y=2;z=3", false},
        {"https://example.com/books{?page,size}", "https://example.com/books", true},
        {"https://example.com/books{?page,size}", "https://example.com/books?page=2", true},
        {"https://example.com/books{?page,size}", "https://example.com/books?page=2&size=10", true},
        {"https://example.com/books{?page,size}", "https://example.com/books?page=2&size=10&x=1", false},
        {"https://example.com/books{?q*}", "https://example.com/books?a=1&b=2&c=3", true},
        {"https://example.com/books{?page}", "https://example.com/books?page=1/2", false},
        {"https://example.com/books?page=1{&size}", "https://example.com/books?page=1&size=3", true},
        {"https://example.com/books?page=1{&size}", "https://example.com/books?page=1size=3", false},
        // Several expressions back to back, and variable names/prefixes that do not constrain.
        {"{scheme}://{host}{/path*}{?q*}", "https://example.com/a/b?x=1&y=2", true},
        {"https://example.com/{id:3}", "https://example.com/123456", true},
        {"https://example.com/{a}{b}", "https://example.com/xy", true},
        {"https://example.com/{a}-{b}", "https://example.com/x-y-z", true},
        // A simple expression with an exploded variable lets '=' through too.
        {"https://example.com/{keys*}", "https://example.com/a=1,b=2", true},
        {"https://example.com/{keys}", "https://example.com/a=1,b=2", false},
    };
    for (const auto& c : cases) {
        INFO(c.tpl << " ~ " << c.iri);
        CHECK(compiled(c.tpl).matches(c.iri) == c.match);
    }
}

TEST_CASE("uri template: compiled once, matched many times, copies independent") {
    const UriTemplate t = compiled("https://example.com/users/{user}/books/{book}");
    const UriTemplate copy = t;
    for (int i = 0; i < 1000; ++i) {
        const std::string iri = "https://example.com/users/u" + std::to_string(i) + "/books/" + std::to_string(i * 7);
        CHECK(t.matches(iri));
        CHECK(copy.matches(iri));
        CHECK_FALSE(t.matches(iri + "/x"));
    }
    CHECK(t.text() == "https://example.com/users/{user}/books/{book}");
}

TEST_CASE("uri template: a long hostile topic is matched in linear time, not by backtracking") {
    const UriTemplate t = compiled("{a}{b}{c}{d}{e}{f}{g}{h}!");
    const std::string topic(200000, 'a');
    CHECK_FALSE(t.matches(topic));  // would take ages with a backtracking regex engine
    CHECK(t.matches(topic + "!"));
}

TEST_CASE("uri template: invalid templates say what and where") {
    const std::vector<std::pair<const char*, const char*>> cases = {
        {"{", "uri template: offset 0: unterminated expression"},
        {"https://example.com/{id", "uri template: offset 20: unterminated expression"},
        {"{}", "uri template: offset 1: expected a variable name"},
        {"{+}", "uri template: offset 2: expected a variable name"},
        {"a}", "uri template: offset 1: '}' without '{'"},
        {"{=x}", "uri template: offset 1: operator reserved for future extensions"},
        {"{|x}", "uri template: offset 1: operator reserved for future extensions"},
        {"{x y}", "uri template: offset 2: expected ',' or '}' after a variable"},
        {"{x,}", "uri template: offset 3: expected a variable name"},
        {"{x.}", "uri template: offset 3: a variable name cannot end with '.'"},
        {"{x:0}", "uri template: offset 3: a prefix length is 1 to 9999"},
        {"{x:10000}", "uri template: offset 3: a prefix length is 1 to 9999"},
        {"{x:}", "uri template: offset 3: a prefix length is 1 to 9999"},
        {"a b", "uri template: offset 1: character not allowed in a URI template"},
        {"a%zz", "uri template: offset 1: '%' not followed by two hex digits"},
        {"a%4", "uri template: offset 1: '%' not followed by two hex digits"},
        {"a<b>", "uri template: offset 1: character not allowed in a URI template"},
        {"a\xff", "uri template: offset 1: character not allowed in a URI template"},
        {"{x%2}", "uri template: offset 2: '%' not followed by two hex digits"},
    };
    for (const auto& [tpl, want] : cases) {
        INFO(tpl);
        std::string error;
        CHECK_FALSE(UriTemplate::compile(tpl, &error));
        CHECK(error == want);
    }
    // Valid corner cases: dotted and %-encoded names, prefixes, all operators.
    for (const char* ok : {"{a.b}", "{a%20b}", "{x:9999}", "{+a}{#b}{.c}{/d}{;e}{?f}{&g}", "no-expression", "%41"}) {
        INFO(ok);
        std::string error;
        CHECK(UriTemplate::compile(ok, &error));
    }
}

namespace {

// An independent model of the reference hub's matching: the template written as an ECMAScript
// regular expression by the same rules (see uri_template.h), run by std::regex. Slow and
// backtracking, fine for the short inputs below.
std::string regex_quote(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (std::string("\\^$.|?*+()[]{}/-").find(c) != std::string::npos) out += '\\';
        out += c;
    }
    return out;
}

std::string model_regex(const std::string& tpl) {
    std::string re;
    size_t i = 0;
    while (i < tpl.size()) {
        if (tpl[i] != '{') {
            const size_t end = tpl.find('{', i);
            re += regex_quote(tpl.substr(i, end - i));
            i = end == std::string::npos ? tpl.size() : end;
            continue;
        }
        const size_t close = tpl.find('}', i);
        std::string body = tpl.substr(i + 1, close - i - 1);
        i = close + 1;
        char op = std::string("+#./;?&").find(body[0]) != std::string::npos ? body[0] : 0;
        if (op) body = body.substr(1);
        std::vector<bool> explode;
        for (size_t start = 0; start <= body.size();) {
            size_t comma = body.find(',', start);
            if (comma == std::string::npos) comma = body.size();
            explode.push_back(body[comma - 1] == '*');
            start = comma + 1;
        }
        const bool reserved = op == '+' || op == '#';
        const bool named = op == ';' || op == '?' || op == '&';
        const std::string prefix = op == 0 || op == '+' ? "" : std::string(1, op);
        const char sep = op == '.' || op == '/' || op == ';' ? op : op == '?' || op == '&' ? '&' : ',';
        bool any_explode = false;
        for (bool e : explode) any_explode = any_explode || e;
        auto value = [&](bool eq) {
            std::string cls = "A-Za-z0-9\\-._~";
            if (reserved) cls += ":/?#\\[\\]@!$&'()*+,;=";
            else cls += eq ? ",=" : ",";
            return "(?:[" + cls + "]|%[0-9A-Fa-f]{2})*";
        };
        std::string e = regex_quote(prefix) + value(named || explode[0]);
        const size_t max = explode.size() - 1;
        if (any_explode) e += "(?:" + regex_quote(std::string(1, sep)) + value(true) + ")*";
        else if (max > 0) e += "(?:" + regex_quote(std::string(1, sep)) + value(named) + "){0," + std::to_string(max) + "}";
        re += "(?:" + e + ")?";
    }
    return re;
}

}  // namespace

TEST_CASE("uri template: the compiled matcher agrees with a regular-expression model on random inputs") {
    std::mt19937 rng(20261201);
    const std::vector<std::string> pieces = {"a",  "b/", ".", "/",  "x=", "{a}", "{+a}", "{#a}", "{.a}", "{/a}",
                                             "{;a}", "{?a}", "{&a}", "{a,b}", "{/a,b}", "{?a,b}", "{/a*}", "{.a*}",
                                             "{;a*,b}", "{?a*}", "{a*}", "{+a,b}"};
    const std::string alphabet = "ab./,=&?;#%4F:+-";
    size_t matched = 0, total = 0;
    for (int t = 0; t < 300; ++t) {
        std::string tpl;
        const int n = 1 + static_cast<int>(rng() % 4);
        for (int k = 0; k < n; ++k) tpl += pieces[rng() % pieces.size()];
        const UriTemplate compiled_tpl = compiled(tpl);
        const std::regex model(model_regex(tpl));
        for (int s = 0; s < 200; ++s) {
            std::string topic;
            // Half the topics built from the template's own pieces, so matches are not all rare.
            const int len = static_cast<int>(rng() % 10);
            for (int k = 0; k < len; ++k) topic += alphabet[rng() % alphabet.size()];
            if (s % 2) {
                topic.clear();
                for (char c : tpl)
                    if (c != '{' && c != '}' && c != '*' && c != ',') topic += c;
                    else if (rng() % 2) topic += alphabet[rng() % alphabet.size()];
            }
            INFO(tpl << " ~ " << topic << " (model " << model_regex(tpl) << ")");
            const bool want = std::regex_match(topic, model);
            CHECK(compiled_tpl.matches(topic) == want);
            matched += want;
            ++total;
        }
    }
    // The generator is useful only if both answers occur often.
    CHECK(matched > total / 10);
    CHECK(matched < total * 9 / 10);
}
