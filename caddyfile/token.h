// A token is one word of a Caddyfile, with where it came from: its file, its line, whether it was
// quoted (quoted tokens are never structural), and the chain of `import`s that brought it in.
#pragma once

#include <memory>
#include <string>

namespace caddyfile {

// One `import` that spliced tokens in. Frames form an immutable linked list shared by every token
// of one import, so copying a token stays cheap.
struct ImportFrame {
    std::string file;      // the file holding the `import` line
    int line = 0;          // its line
    std::string imported;  // the file imported, or the snippet's name
    bool snippet = false;  // imported is a snippet name, not a path
    std::shared_ptr<const ImportFrame> parent;
};
using ImportChain = std::shared_ptr<const ImportFrame>;

enum class Quote { none, double_quote, backtick, heredoc };

struct Token {
    std::string text;
    std::string file;
    int line = 0;
    Quote quote = Quote::none;
    bool starts_line = false;  // first token of a logical line (continuations do not start one)
    ImportChain imports;

    bool quoted() const { return quote != Quote::none; }
    // `{`, `}` and friends only count when written bare.
    bool is(std::string_view bare) const { return quote == Quote::none && text == bare; }
};

}  // namespace caddyfile
