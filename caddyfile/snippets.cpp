#include "caddyfile/snippets.h"

#include "caddyfile/error.h"

namespace caddyfile {

bool is_snippet_name(const Token& t) {
    return !t.quoted() && t.text.size() >= 3 && t.text.front() == '(' && t.text.back() == ')';
}

void Snippets::define(const Token& name, std::vector<Token> body) {
    std::string key = name.text.substr(1, name.text.size() - 2);
    auto it = snippets_.find(key);
    if (it != snippets_.end())
        fail(name, "snippet " + name.text + " is already defined at " + it->second.name.file + ":" +
                       std::to_string(it->second.name.line));
    snippets_.emplace(key, Entry{name, std::move(body)});
}

const std::vector<Token>* Snippets::find(const std::string& name) const {
    auto it = snippets_.find(name);
    return it == snippets_.end() ? nullptr : &it->second.body;
}

}  // namespace caddyfile
