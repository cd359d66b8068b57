// Every configuration error, from the lexer to the typed configuration, is one Error whose what()
// reads `FILE:LINE: message` — plus the import chain when the token was imported.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "caddyfile/token.h"

namespace caddyfile {

class Error : public std::runtime_error {
public:
    Error(std::string file, int line, std::string message, const ImportChain& imports = nullptr);

    const std::string& file() const { return file_; }
    int line() const { return line_; }
    const std::string& message() const { return message_; }

private:
    std::string file_;
    int line_;
    std::string message_;
};

// The one error builder: `where` names the token that was wrong.
[[noreturn]] void fail(const Token& where, const std::string& message);
[[noreturn]] void fail_at(const std::string& file, int line, const std::string& message);

// A problem that does not stop Pogo (an option with no effect here), shown at start-up.
struct Warning {
    std::string file;
    int line = 0;
    std::string message;
    std::string str() const { return file + ":" + std::to_string(line) + ": " + message; }
};

// `" (imported at a.caddy:3, Caddyfile:7)"`, or "" when the token was not imported.
std::string describe_imports(const ImportChain& imports);

// Quote a token for a message: `"text"`.
std::string quoted(const std::string& text);

}  // namespace caddyfile
