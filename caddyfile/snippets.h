// Snippets: `(name) { ... }` at the top level defines tokens that `import name args...` pastes in.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "caddyfile/token.h"

namespace caddyfile {

// `(name)`: a top-level key that defines a snippet.
bool is_snippet_name(const Token& t);

class Snippets {
public:
    // Throws when `name` is defined twice.
    void define(const Token& name, std::vector<Token> body);
    const std::vector<Token>* find(const std::string& name) const;

private:
    struct Entry {
        Token name;
        std::vector<Token> body;
    };
    std::map<std::string, Entry> snippets_;
};

}  // namespace caddyfile
