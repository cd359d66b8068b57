#include "caddyfile/parser.h"

#include "caddyfile/error.h"
#include "caddyfile/imports.h"
#include "caddyfile/lexer.h"
#include "caddyfile/snippets.h"

namespace caddyfile {

namespace {

constexpr size_t kImportTokenBudget = 1'000'000;
constexpr int kMaxDepth = 100;  // keeps the recursive descent far from the stack's end

std::string show(const Token& t) { return "'" + t.text + "'"; }

class Parser {
public:
    Parser(std::vector<Token> tokens, const ParseOptions& options)
        : toks_(std::move(tokens)),
          fs_(options.fs ? *options.fs : real_filesystem()),
          env_(options.env),
          ctx_{fs_, env_, snippets_, budget_} {}

    std::vector<ServerBlock> run() {
        std::vector<ServerBlock> blocks;
        bool seen_site = false;
        while (!at_end()) {
            const Token& t = cur();
            if (t.is("import")) {
                expand_import(toks_, pos_, ctx_);
            } else if (t.is("}")) {
                fail(t, "unexpected '}': no block is open");
            } else if (t.is("{")) {
                if (seen_site)
                    fail(t, "unexpected '{': the global options block must come before every site, and a site "
                            "block needs an address before its '{'");
                seen_site = true;
                blocks.push_back(global_block());
            } else if (is_snippet_name(t) && next_is_open()) {
                define_snippet();
            } else if (!t.quoted() && t.text.rfind("&(", 0) == 0) {
                fail(t, "named routes (" + t.text + ") are not supported by Pogo");
            } else {
                seen_site = true;
                blocks.push_back(site_block());
            }
        }
        return blocks;
    }

private:
    bool at_end() const { return pos_ >= toks_.size(); }
    const Token& cur() const { return toks_[pos_]; }
    // True at the end of the input or when the current token begins a new line.
    bool line_ends() const { return at_end() || cur().starts_line; }
    bool next_is_open() const { return pos_ + 1 < toks_.size() && toks_[pos_ + 1].is("{"); }

    void expect_line_end(const char* after) {
        if (!line_ends())
            fail(cur(), "unexpected " + show(cur()) + " after '" + after + "' on the same line: expected a new line");
    }

    ServerBlock global_block() {
        ServerBlock b;
        b.start = cur();
        ++pos_;
        expect_line_end("{");
        b.segments = segments(&b.start);
        expect_line_end("}");
        return b;
    }

    void define_snippet() {
        Token name = cur();
        Token open = toks_[pos_ + 1];
        pos_ += 2;
        expect_line_end("{");
        size_t begin = pos_;
        int depth = 1;
        for (; !at_end(); ++pos_) {
            if (cur().is("{")) ++depth;
            if (cur().is("}") && --depth == 0) break;
        }
        if (at_end()) fail(open, "unclosed '{' of snippet " + name.text + ": expected '}' before the end of the file");
        std::vector<Token> body(toks_.begin() + static_cast<std::ptrdiff_t>(begin),
                                toks_.begin() + static_cast<std::ptrdiff_t>(pos_));
        ++pos_;
        expect_line_end("}");
        snippets_.define(name, std::move(body));
    }

    ServerBlock site_block() {
        ServerBlock b;
        b.start = cur();
        addresses(b);
        if (!at_end() && cur().is("{")) {
            Token open = cur();
            ++pos_;
            expect_line_end("{");
            b.segments = segments(&open);
            expect_line_end("}");
        } else {
            b.has_braces = false;
            b.segments = segments(nullptr);
        }
        return b;
    }

    // Keys run to the end of the line, or on across lines after a trailing comma.
    void addresses(ServerBlock& b) {
        bool expecting = false;
        bool first = true;
        while (true) {
            if (at_end()) {
                if (expecting) fail(toks_.back(), "expected another site address after ','");
                break;
            }
            const Token& t = cur();
            if (!first && t.starts_line && !expecting) break;
            first = false;
            if (t.is("{")) {
                if (expecting) fail(t, "expected another site address after ',' but found '{'");
                break;
            }
            if (t.is("}")) fail(t, "unexpected '}' in the site addresses");
            if (t.is("import") && t.starts_line) {
                expand_import(toks_, pos_, ctx_);
                first = b.keys.empty();
                continue;
            }
            Token key = t;
            if (!key.quoted() && b.keys.empty() && key.text.size() > 1 && key.text[0] == '@')
                fail(key, "named matcher " + quoted(key.text) +
                              " is defined outside a site block: define it inside the site that uses it");
            if (!key.quoted() && key.text.size() > 1 && key.text.back() == '{')
                fail(key, "site address " + quoted(key.text) + " ends with '{': put a space before the '{'");
            expecting = !key.text.empty() && key.text.back() == ',';
            if (expecting) key.text.pop_back();
            if (key.text.find(',') != std::string::npos)
                fail(key, "site address " + quoted(key.text) + " contains ',': put a space after the comma");
            if (!key.text.empty()) b.keys.push_back(std::move(key));
            ++pos_;
        }
        if (b.keys.empty()) fail(b.start, "expected a site address");
    }

    // Segments up to the `}` matching `open` (consumed), or to the end of input when open is null.
    std::vector<Segment> segments(const Token* open) {
        std::vector<Segment> out;
        while (true) {
            if (at_end()) {
                if (open) fail(*open, "unclosed '{': expected '}' before the end of the file");
                return out;
            }
            const Token& t = cur();
            if (t.is("}")) {
                if (!open) fail(t, "unexpected '}': no block is open");
                ++pos_;
                return out;
            }
            if (t.is("import")) {
                expand_import(toks_, pos_, ctx_);
                continue;
            }
            if (t.is("{"))
                fail(t, "unexpected '{' at the start of a line: put it at the end of the previous line");
            out.push_back(segment());
        }
    }

    Segment segment() {
        Segment s;
        s.tokens.push_back(cur());
        ++pos_;
        while (!line_ends()) {
            const Token& t = cur();
            if (t.is("{")) {
                if (is_snippet_name(s.name()) && s.tokens.size() == 1)
                    fail(s.name(), "snippet " + s.name().text + " must be defined at the top level, not inside a block");
                s.open = t;
                ++pos_;
                expect_line_end("{");
                s.has_block = true;
                if (++depth_ > kMaxDepth) fail(s.open, "blocks are nested too deeply (more than " + std::to_string(kMaxDepth) + ")");
                s.block = segments(&s.open);
                --depth_;
                expect_line_end("}");
                break;
            }
            if (t.is("}")) fail(t, "unexpected '}' at the end of a line: put it on a line of its own");
            if (t.is("{}") && (pos_ + 1 >= toks_.size() || toks_[pos_ + 1].starts_line))
                fail(t, "unexpected '{}' at the end of a line: write '{' and '}' on separate lines");
            s.tokens.push_back(t);
            ++pos_;
        }
        return s;
    }

    std::vector<Token> toks_;
    size_t pos_ = 0;
    int depth_ = 0;
    const FileSystem& fs_;
    EnvLookup env_;
    Snippets snippets_;
    size_t budget_ = kImportTokenBudget;
    ImportContext ctx_;
};

}  // namespace

std::vector<Token> lex_file(std::string_view text, const std::string& file, const EnvLookup& env) {
    std::vector<int> line_map;
    std::string expanded = expand_env(text, env, line_map);
    auto original = [&](int line) {
        return line >= 1 && static_cast<size_t>(line) <= line_map.size() ? line_map[static_cast<size_t>(line) - 1] : line;
    };
    std::vector<Token> tokens;
    try {
        tokens = lex(expanded, file);
    } catch (const Error& e) {
        throw Error(e.file(), original(e.line()), e.message());
    }
    for (Token& t : tokens) t.line = original(t.line);
    return tokens;
}

std::vector<ServerBlock> parse(std::string_view text, const std::string& file, const ParseOptions& options) {
    return Parser(lex_file(text, file, options.env), options).run();
}

std::vector<ServerBlock> parse_file(const std::string& path, const ParseOptions& options) {
    const FileSystem& fs = options.fs ? *options.fs : real_filesystem();
    std::optional<std::string> text = fs.read(path);
    if (!text) throw Error(path, 0, "cannot read the file");
    return parse(*text, path, options);
}

}  // namespace caddyfile
