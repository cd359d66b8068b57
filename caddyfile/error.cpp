#include "caddyfile/error.h"

namespace caddyfile {

namespace {
std::string render(const std::string& file, int line, const std::string& message, const ImportChain& imports) {
    std::string where = line > 0 ? file + ":" + std::to_string(line) : file;
    return where + ": " + message + describe_imports(imports);
}
}  // namespace

Error::Error(std::string file, int line, std::string message, const ImportChain& imports)
    : std::runtime_error(render(file, line, message, imports)),
      file_(std::move(file)),
      line_(line),
      message_(std::move(message)) {}

void fail(const Token& where, const std::string& message) {
    throw Error(where.file, where.line, message, where.imports);
}

void fail_at(const std::string& file, int line, const std::string& message) { throw Error(file, line, message); }

std::string describe_imports(const ImportChain& imports) {
    if (!imports) return {};
    std::string out = " (imported at ";
    for (const ImportFrame* f = imports.get(); f; f = f->parent.get()) {
        if (f != imports.get()) out += ", ";
        out += f->file + ":" + std::to_string(f->line);
    }
    return out + ")";
}

std::string quoted(const std::string& text) {
    std::string out = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out + "\"";
}

}  // namespace caddyfile
