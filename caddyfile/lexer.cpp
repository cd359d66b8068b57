#include "caddyfile/lexer.h"
#include <cctype>

#include "caddyfile/error.h"

namespace caddyfile {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }
bool is_blank(char c) { return c == ' ' || c == '\t'; }

bool valid_marker(std::string_view m) {
    if (m.empty()) return false;
    for (char c : m)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
    return true;
}

// CRLF reads as LF (so do several CRs before an LF); a leading BOM is dropped. Other CRs stay
// (between words they are whitespace).
std::string normalize(std::string_view in) {
    if (in.size() >= 3 && in.substr(0, 3) == "\xEF\xBB\xBF") in.remove_prefix(3);
    std::string out;
    out.reserve(in.size());
    for (char c : in) {
        if (c == '\n')
            while (!out.empty() && out.back() == '\r') out.pop_back();
        out += c;
    }
    return out;
}

class Scanner {
public:
    Scanner(std::string_view src, const std::string& file) : src_(src), file_(file) {}

    std::vector<Lexeme> run() {
        while (pos_ < src_.size()) {
            char c = src_[pos_];
            if (c == '\n') {
                ++newlines_;
                ++line_;
                ++pos_;
            } else if (c == '\\' && peek(1) == '\n') {
                continued_ = true;
                ++line_;
                pos_ += 2;
            } else if (is_space(c)) {
                ++pos_;
            } else if (c == '#') {
                comment();
            } else {
                word();
            }
        }
        return std::move(out_);
    }

private:
    char peek(size_t ahead) const { return pos_ + ahead < src_.size() ? src_[pos_ + ahead] : '\0'; }

    void emit(Lexeme lx, size_t start) {
        lx.raw = std::string(src_.substr(start, pos_ - start));
        lx.newlines_before = newlines_;
        lx.continued = continued_;
        newlines_ = 0;
        continued_ = false;
        out_.push_back(std::move(lx));
    }

    void comment() {
        size_t start = pos_;
        while (pos_ < src_.size() && src_[pos_] != '\n') ++pos_;
        Lexeme lx{Lexeme::Kind::comment, {}, {}, line_};
        size_t end = pos_;
        while (end > start && is_space(src_[end - 1])) --end;  // trailing blanks (and lone CRs) go
        lx.text = std::string(src_.substr(start, end - start));
        emit(std::move(lx), start);
        out_.back().raw = out_.back().text;
    }

    void word() {
        size_t start = pos_;
        char c = src_[pos_];
        if (c == '"') return double_quoted(start);
        if (c == '`') return backticked(start);
        if (c == '<' && peek(1) == '<' && heredoc_opener()) return heredoc(start);
        plain(start);
    }

    void double_quoted(size_t start) {
        Lexeme lx{Lexeme::Kind::word, {}, {}, line_};
        lx.quote = Quote::double_quote;
        ++pos_;
        while (true) {
            if (pos_ >= src_.size()) fail_at(file_, lx.line, "unterminated quoted string: missing closing '\"'");
            char c = src_[pos_++];
            if (c == '\\' && pos_ < src_.size()) {
                char n = src_[pos_++];
                if (n != '"') lx.text += '\\';
                if (n == '\n') ++line_;
                lx.text += n;
                continue;
            }
            if (c == '"') break;
            if (c == '\n') ++line_;
            lx.text += c;
        }
        emit(std::move(lx), start);
    }

    void backticked(size_t start) {
        Lexeme lx{Lexeme::Kind::word, {}, {}, line_};
        lx.quote = Quote::backtick;
        ++pos_;
        while (true) {
            if (pos_ >= src_.size()) fail_at(file_, lx.line, "unterminated backtick string: missing closing '`'");
            char c = src_[pos_++];
            if (c == '`') break;
            if (c == '\n') ++line_;
            lx.text += c;
        }
        emit(std::move(lx), start);
    }

    // `<<...` ending its line (trailing blanks allowed, so that removing them never changes the
    // meaning) opens a heredoc; followed by another word or the end of input it is a plain word.
    bool heredoc_opener() const {
        size_t end = pos_;
        while (end < src_.size() && !is_space(src_[end])) ++end;
        while (end < src_.size() && is_blank(src_[end])) ++end;
        return end < src_.size() && src_[end] == '\n';
    }

    void heredoc(size_t start) {
        const int open_line = line_;
        size_t end = src_.find('\n', pos_);
        std::string_view opener = src_.substr(pos_, end - pos_);
        while (!opener.empty() && is_blank(opener.back())) opener.remove_suffix(1);
        std::string_view marker = opener.substr(2);
        if (marker.empty())
            fail_at(file_, open_line, "missing heredoc marker after '<<': use letters, digits, '-' and '_', e.g. <<END");
        if (marker[0] == '<') fail_at(file_, open_line, "too many '<' for a heredoc: use two, e.g. <<END");
        if (!valid_marker(marker))
            fail_at(file_, open_line, "invalid heredoc marker " + quoted(std::string(marker)) +
                                          ": use only letters, digits, '-' and '_'");
        pos_ = end + 1;
        ++line_;
        std::vector<std::pair<std::string_view, int>> lines;  // content lines and their line numbers
        while (true) {
            if (pos_ >= src_.size())
                fail_at(file_, open_line, "unterminated heredoc <<" + std::string(marker) + ": expected a line with " +
                                              std::string(marker) + " to close it");
            size_t eol = src_.find('\n', pos_);
            if (eol == std::string_view::npos) eol = src_.size();
            std::string_view text = src_.substr(pos_, eol - pos_);
            size_t indent = 0;
            while (indent < text.size() && is_blank(text[indent])) ++indent;
            std::string_view rest = text.substr(indent);
            if (rest.substr(0, marker.size()) == marker &&
                (rest.size() == marker.size() || is_space(rest[marker.size()]))) {
                Lexeme lx{Lexeme::Kind::word, {}, {}, open_line};
                lx.quote = Quote::heredoc;
                lx.text = dedent(lines, text.substr(0, indent), marker);
                pos_ += indent + marker.size();
                emit(std::move(lx), start);
                return;
            }
            lines.emplace_back(text, line_);
            pos_ = eol < src_.size() ? eol + 1 : eol;
            ++line_;
        }
    }

    std::string dedent(const std::vector<std::pair<std::string_view, int>>& lines, std::string_view pad,
                       std::string_view marker) const {
        std::string out;
        for (size_t i = 0; i < lines.size(); ++i) {
            auto [text, line] = lines[i];
            if (i) out += '\n';
            if (text.empty() || text == "\r") continue;
            if (text.substr(0, pad.size()) != pad)
                fail_at(file_, line, "heredoc <<" + std::string(marker) + ": line " + quoted(std::string(text)) +
                                         " is not indented like the closing marker (expected it to start with " +
                                         quoted(std::string(pad)) + ")");
            out += text.substr(pad.size());
        }
        return out;
    }

    void plain(size_t start) {
        Lexeme lx{Lexeme::Kind::word, {}, {}, line_};
        size_t end = std::string_view::npos;
        while (pos_ < src_.size()) {
            char c = src_[pos_];
            if (is_space(c)) break;
            if (c == '\\') {
                char n = peek(1);
                if (n == '\n' || is_space(n) || n == '\0') {  // the backslash belongs to the whitespace
                    end = pos_;
                    if (n != '\n') ++pos_;
                    break;
                }
                if (n == '<') {  // `\<<` escapes a heredoc opener
                    lx.text += '<';
                    pos_ += 2;
                    continue;
                }
                lx.text += '\\';
                lx.text += n;
                pos_ += 2;
                continue;
            }
            lx.text += c;
            ++pos_;
        }
        if (end == std::string_view::npos) end = pos_;
        if (end == start) return;  // a lone backslash before a blank is only whitespace
        emit(std::move(lx), start);
        out_.back().raw = std::string(src_.substr(start, end - start));  // without a trailing lone backslash
    }

    std::string_view src_;
    const std::string& file_;
    size_t pos_ = 0;
    int line_ = 1;
    int newlines_ = 0;
    bool continued_ = false;
    std::vector<Lexeme> out_;
};

}  // namespace

std::vector<Lexeme> scan(std::string_view source, const std::string& file) {
    std::string text = normalize(source);
    return Scanner(text, file).run();
}

std::vector<Token> lex(std::string_view source, const std::string& file) {
    std::vector<Token> tokens;
    bool first = true;
    int pending_newlines = 0;
    for (Lexeme& lx : scan(source, file)) {
        pending_newlines += lx.newlines_before;
        if (lx.kind != Lexeme::Kind::word) continue;
        Token t;
        t.text = std::move(lx.text);
        t.file = file;
        t.line = lx.line;
        t.quote = lx.quote;
        t.starts_line = first || pending_newlines > 0;
        tokens.push_back(std::move(t));
        first = false;
        pending_newlines = 0;
    }
    return tokens;
}

}  // namespace caddyfile
