#include "caddyfile/imports.h"

#include <fnmatch.h>

#include <algorithm>
#include <charconv>
#include <filesystem>

#include "caddyfile/error.h"
#include "caddyfile/lexer.h"
#include "caddyfile/parser.h"

namespace caddyfile {

namespace {

std::string key_of(const std::string& path) {
    return std::filesystem::absolute(std::filesystem::path(path)).lexically_normal().string();
}

std::string frames_text(const ImportChain& chain) {
    std::vector<const ImportFrame*> frames;
    for (const ImportFrame* f = chain.get(); f; f = f->parent.get()) frames.push_back(f);
    std::string out;
    for (auto it = frames.rbegin(); it != frames.rend(); ++it)
        out += (*it)->file + ":" + std::to_string((*it)->line) + " imports " + (*it)->imported + ", ";
    return out;
}

bool parse_index(std::string_view s, size_t& out) {
    if (s.empty()) return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
}

class ArgReplacer {
public:
    explicit ArgReplacer(const std::vector<Token>& args) : args_(args) {}

    // Appends `t` with its placeholders replaced; `{args[a:b]}` alone becomes several tokens.
    void apply(Token t, std::vector<Token>& out) const {
        const std::string& s = t.text;
        if (s.size() > 8 && s.rfind("{args[", 0) == 0 && s.compare(s.size() - 2, 2, "]}") == 0 &&
            s.find(':') != std::string::npos) {
            std::string_view range(s.data() + 6, s.size() - 8);
            size_t colon = range.find(':');
            size_t from = 0, to = args_.size();
            bool ok = (colon == 0 || parse_index(range.substr(0, colon), from)) &&
                      (colon + 1 == range.size() || parse_index(range.substr(colon + 1), to));
            if (!ok || from > to || to > args_.size())
                fail(t, "placeholder " + s + " is out of range: the import gave " + std::to_string(args_.size()) +
                            " argument(s)");
            for (size_t i = from; i < to; ++i) {
                Token a = t;
                a.text = args_[i].text;
                a.quote = args_[i].quote == Quote::none ? t.quote : args_[i].quote;
                a.starts_line = t.starts_line && i == from;
                out.push_back(std::move(a));
            }
            return;
        }
        if (s.find("{args") != std::string::npos) t.text = replace_indexed(t);
        out.push_back(std::move(t));
    }

private:
    std::string replace_indexed(const Token& t) const {
        const std::string& s = t.text;
        std::string out;
        size_t pos = 0;
        while (true) {
            size_t open = s.find("{args", pos);
            if (open == std::string::npos) break;
            size_t close = s.find('}', open);
            if (close == std::string::npos) break;
            std::string_view inner(s.data() + open + 5, close - open - 5);  // `[N]` or `.N`
            std::string_view num;
            if (inner.size() > 2 && inner.front() == '[' && inner.back() == ']')
                num = inner.substr(1, inner.size() - 2);
            else if (inner.size() > 1 && inner.front() == '.')
                num = inner.substr(1);
            size_t index = 0;
            if (num.empty() || num.find(':') != std::string_view::npos) {
                if (num.find(':') != std::string_view::npos)
                    fail(t, "placeholder " + std::string(s, open, close + 1 - open) + " must be a token of its own");
                out.append(s, pos, close + 1 - pos);
                pos = close + 1;
                continue;
            }
            if (!parse_index(num, index) || index >= args_.size())
                fail(t, "placeholder " + std::string(s, open, close + 1 - open) +
                            " is out of range: the import gave " + std::to_string(args_.size()) + " argument(s)");
            out.append(s, pos, open - pos);
            out += args_[index].text;
            pos = close + 1;
        }
        out.append(s, pos);
        return out;
    }

    const std::vector<Token>& args_;
};

std::vector<std::string> resolve(const Token& pattern, const Token& imp, const FileSystem& fs) {
    const std::string path = join_path(parent_dir(imp.file), pattern.text);
    const std::string name = std::filesystem::path(path).filename().string();
    const std::string dir = parent_dir(path);
    if (dir.find_first_of("*?[") != std::string::npos)
        fail(pattern, "import pattern " + quoted(pattern.text) + ": only the file name may contain wildcards");
    if (name.find_first_of("*?[") == std::string::npos) {
        if (!fs.exists(path))
            fail(pattern, "import file " + quoted(pattern.text) + " not found (looked for " + path + ")");
        return {path};
    }
    if (std::count(name.begin(), name.end(), '*') > 1 || std::count(name.begin(), name.end(), '?') > 1)
        fail(pattern, "import pattern " + quoted(pattern.text) + " may contain only one wildcard");
    std::vector<std::string> matches;
    for (const std::string& f : fs.list(dir)) {
        if (f[0] == '.' && name[0] != '.') continue;  // hidden files only when asked for
        if (fnmatch(name.c_str(), f.c_str(), 0) == 0) matches.push_back(join_path(dir, f));
    }
    std::sort(matches.begin(), matches.end());
    return matches;
}

// Snippet definitions inside an imported file keep their own `{args[...]}` for their own imports.
std::vector<Token> replace_outside_snippets(std::vector<Token>& in, const ArgReplacer& repl) {
    std::vector<Token> out;
    int depth = 0;
    bool in_snippet = false;
    for (size_t i = 0; i < in.size(); ++i) {
        Token& t = in[i];
        if (!in_snippet && t.starts_line && is_snippet_name(t) && i + 1 < in.size() && in[i + 1].is("{")) in_snippet = true;
        if (in_snippet) {
            if (t.is("{")) ++depth;
            if (t.is("}") && --depth == 0) in_snippet = false;
            out.push_back(std::move(t));
            continue;
        }
        repl.apply(std::move(t), out);
    }
    return out;
}

}  // namespace

void expand_import(std::vector<Token>& tokens, size_t at, const ImportContext& ctx) {
    const Token imp = tokens[at];
    size_t end = at + 1;
    while (end < tokens.size() && !tokens[end].starts_line) ++end;
    std::vector<Token> args(tokens.begin() + static_cast<std::ptrdiff_t>(at) + 1,
                            tokens.begin() + static_cast<std::ptrdiff_t>(end));
    if (args.empty()) fail(imp, "import needs a file path or a snippet name");
    for (const Token& a : args)
        if (a.is("{")) fail(a, "import with a block of arguments is not supported");
    const Token pattern = args.front();
    if (pattern.text.empty()) fail(pattern, "import needs a non-empty file path or snippet name");
    args.erase(args.begin());
    ArgReplacer repl(args);

    std::vector<Token> body;
    if (const std::vector<Token>* snippet = ctx.snippets.find(pattern.text)) {
        for (const ImportFrame* f = imp.imports.get(); f; f = f->parent.get())
            if (f->snippet && f->imported == pattern.text)
                fail(imp, "import cycle: " + frames_text(imp.imports) + imp.file + ":" + std::to_string(imp.line) +
                              " imports " + pattern.text + " again");
        auto frame = std::make_shared<const ImportFrame>(ImportFrame{imp.file, imp.line, pattern.text, true, imp.imports});
        for (Token t : *snippet) {
            t.imports = frame;
            repl.apply(std::move(t), body);
        }
    } else {
        for (const std::string& path : resolve(pattern, imp, ctx.fs)) {
            std::string key = key_of(path);
            bool cycle = key_of(imp.file) == key;
            for (const ImportFrame* f = imp.imports.get(); f && !cycle; f = f->parent.get())
                cycle = !f->snippet && key_of(f->file) == key;
            if (cycle)
                fail(imp, "import cycle: " + frames_text(imp.imports) + imp.file + ":" + std::to_string(imp.line) +
                              " imports " + path + ", which is already being imported");
            std::optional<std::string> text = ctx.fs.read(path);
            if (!text) fail(pattern, "could not read import file " + path);
            std::vector<Token> file_tokens = lex_file(*text, path, ctx.env);
            auto frame = std::make_shared<const ImportFrame>(ImportFrame{imp.file, imp.line, path, false, imp.imports});
            for (Token& t : file_tokens) t.imports = frame;
            for (Token& t : replace_outside_snippets(file_tokens, repl)) body.push_back(std::move(t));
        }
    }
    if (!body.empty()) body.front().starts_line = true;
    if (body.size() > ctx.token_budget)
        fail(imp, "imports expand to too many tokens (is an import nested in itself many times?)");
    ctx.token_budget -= body.size();
    tokens.erase(tokens.begin() + static_cast<std::ptrdiff_t>(at), tokens.begin() + static_cast<std::ptrdiff_t>(end));
    tokens.insert(tokens.begin() + static_cast<std::ptrdiff_t>(at), std::make_move_iterator(body.begin()),
                  std::make_move_iterator(body.end()));
}

}  // namespace caddyfile
