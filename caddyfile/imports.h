// `import` splices tokens in place of its line: a snippet's body, or the tokens of every file a
// path or glob names (relative to the importing file; a glob matching nothing imports nothing; a
// missing file is an error). `{args[N]}`, `{args[N:M]}` and `{args[:]}` take the import's
// arguments. Each spliced token records the import in its chain, which is how cycles are caught.
#pragma once

#include <cstddef>
#include <vector>

#include "caddyfile/env.h"
#include "caddyfile/filesystem.h"
#include "caddyfile/snippets.h"
#include "caddyfile/token.h"

namespace caddyfile {

struct ImportContext {
    const FileSystem& fs;
    const EnvLookup& env;
    const Snippets& snippets;
    size_t& token_budget;  // total tokens imports may still add; guards against exponential nesting
};

// tokens[at] is an `import` that starts a line; its line is replaced by what it imports.
void expand_import(std::vector<Token>& tokens, size_t at, const ImportContext& ctx);

}  // namespace caddyfile
