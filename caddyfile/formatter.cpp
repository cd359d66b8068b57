#include "caddyfile/formatter.h"

#include <vector>

#include "caddyfile/lexer.h"

namespace caddyfile {

namespace {

struct Line {
    int indent = 0;
    std::string text;  // "" for a blank line
};

class Formatter {
public:
    std::string run(const std::vector<Lexeme>& input) {
        std::vector<Lexeme> lexemes = split_glued_braces(input);
        for (const Lexeme& lx : lexemes) {
            bool bare = lx.kind == Lexeme::Kind::word && lx.quote == Quote::none;
            if (bare && lx.text == "{")
                open(lx);
            else if (bare && lx.text == "}")
                close();
            else
                word(lx);
        }
        std::string out;
        for (const Line& l : lines_) {
            if (!l.text.empty()) out.append(static_cast<size_t>(l.indent), '\t').append(l.text);
            out += '\n';
        }
        return out;
    }

private:
    enum class Last { none, word, comment, open, close };

    // As caddy fmt: a `{` glued to the last word of a line (`example.com{`) opens a block, so it is
    // split off. A word whose braces balance (`{$VAR}`, `{path}`) is a placeholder, left alone.
    static std::vector<Lexeme> split_glued_braces(const std::vector<Lexeme>& in) {
        std::vector<Lexeme> out;
        out.reserve(in.size());
        for (size_t i = 0; i < in.size(); ++i) {
            const Lexeme& lx = in[i];
            bool last_on_line = i + 1 == in.size() || in[i + 1].newlines_before > 0;
            bool glued = lx.kind == Lexeme::Kind::word && lx.quote == Quote::none && lx.text.size() > 1 &&
                         lx.text.back() == '{' && last_on_line;
            if (glued) {
                long depth = 0;
                for (char c : lx.text) depth += c == '{' ? 1 : c == '}' ? -1 : 0;
                glued = depth > 0;
            }
            if (!glued) {
                out.push_back(lx);
                continue;
            }
            Lexeme word = lx;
            word.text.pop_back();
            if (!word.raw.empty() && word.raw.back() == '{') word.raw.pop_back();
            Lexeme brace = lx;
            brace.text = brace.raw = "{";
            brace.newlines_before = 0;
            brace.continued = false;
            out.push_back(std::move(word));
            out.push_back(std::move(brace));
        }
        return out;
    }

    // A new line, after a blank one when the input had one (or `force_blank`), never right after `{`.
    void start_line(const Lexeme& lx, std::string text, bool force_blank = false) {
        bool blank = lx.newlines_before >= 2 || force_blank;
        if (blank && last_ != Last::open && last_ != Last::none) lines_.push_back({});
        lines_.push_back({depth_, std::move(text)});
    }

    bool after_top_level_close() const { return depth_ == 0 && last_ == Last::close; }

    void open(const Lexeme& lx) {
        if (last_ == Last::word)
            lines_.back().text += " {";
        else
            start_line(lx, "{", after_top_level_close());  // as caddy fmt: `}` `{` at the top get a blank line
        ++depth_;
        last_ = Last::open;
    }

    void close() {
        if (depth_ > 0) --depth_;
        lines_.push_back({depth_, "}"});
        last_ = Last::close;
    }

    void word(const Lexeme& lx) {
        if (lx.kind == Lexeme::Kind::word && lx.quote == Quote::none && lx.raw.rfind("<<", 0) == 0) {
            // A plain word that looks like a heredoc opener would become one if a line break followed
            // it here (e.g. before a `}` moved to its own line): escape it, which the lexer reads back
            // as the same word.
            Lexeme escaped = lx;
            escaped.raw.insert(0, "\\");
            return word_raw(escaped);
        }
        word_raw(lx);
    }

    void word_raw(const Lexeme& lx) {
        // caddy fmt moves a word written right after a top-level `}` to a line of its own, after a blank line
        bool split = lx.newlines_before == 0 && after_top_level_close();
        bool same_line = lx.newlines_before == 0 && (last_ == Last::word || last_ == Last::close) && !split;
        if (same_line && lx.continued) {
            lines_.back().text += " \\";
            lines_.push_back({depth_ + 1, lx.raw});
        } else if (same_line) {
            lines_.back().text += " " + lx.raw;
        } else {
            start_line(lx, lx.raw, split);
        }
        last_ = lx.kind == Lexeme::Kind::comment ? Last::comment : Last::word;
    }

    std::vector<Line> lines_;
    int depth_ = 0;
    Last last_ = Last::none;
};

}  // namespace

std::string format(std::string_view input, const std::string& file) {
    std::string out = Formatter().run(scan(input, file));
    // A first word that itself starts with a BOM would lose it when read back (a leading BOM is
    // dropped), so it gets one to spare.
    if (out.rfind("\xEF\xBB\xBF", 0) == 0) out.insert(0, "\xEF\xBB\xBF");
    return out.empty() ? "\n" : out;
}

}  // namespace caddyfile
