// The parser turns tokens into a syntax tree that knows no directive names: an optional global
// options block (a block without keys, first), then server blocks, each with its keys (addresses)
// and segments — a segment is one line: a directive, its arguments and the block that ends the line,
// which holds segments of its own. Snippets and imports are resolved here, so the tree is final.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "caddyfile/env.h"
#include "caddyfile/filesystem.h"
#include "caddyfile/token.h"

namespace caddyfile {

struct Segment {
    std::vector<Token> tokens;  // never empty: the directive, then its arguments
    bool has_block = false;
    std::vector<Segment> block;
    Token open;  // the `{` when has_block

    const Token& name() const { return tokens.front(); }
    size_t arg_count() const { return tokens.size() - 1; }
    const Token& arg(size_t i) const { return tokens[i + 1]; }
};

struct ServerBlock {
    std::vector<Token> keys;  // empty: the global options block
    std::vector<Segment> segments;
    bool has_braces = true;
    Token start;  // the first key, or the `{` of the global options block

    bool is_global() const { return keys.empty(); }
};

struct ParseOptions {
    EnvLookup env = process_env;
    const FileSystem* fs = nullptr;  // nullptr: the real file system
};

// Expands `{$ENV}`, lexes and parses. Throws Error.
std::vector<ServerBlock> parse(std::string_view text, const std::string& file, const ParseOptions& options = {});

// Expands `{$ENV}` and lexes, with line numbers of `text` even where a value spans lines.
std::vector<Token> lex_file(std::string_view text, const std::string& file, const EnvLookup& env);

// Reads `path` through options.fs and parses it.
std::vector<ServerBlock> parse_file(const std::string& path, const ParseOptions& options = {});

}  // namespace caddyfile
