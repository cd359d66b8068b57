// libFuzzer target: any input either loads or fails with caddyfile::Error — never crashes, hangs
// or throws anything else. Along the way the formatter must be idempotent and must not change the
// tokens. Build with -DPOGO_FUZZ=ON and clang; run: ./caddyfile_fuzz_parse -max_len=4096
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "caddyfile/config_json.h"
#include "caddyfile/error.h"
#include "caddyfile/formatter.h"
#include "caddyfile/lexer.h"
#include "caddyfile/load.h"

namespace {

bool same_tokens(const std::string& a, const std::string& b) {
    auto ta = caddyfile::lex(a, "f"), tb = caddyfile::lex(b, "f");
    if (ta.size() != tb.size()) return false;
    for (size_t i = 0; i < ta.size(); ++i)
        if (ta[i].text != tb[i].text || ta[i].quote != tb[i].quote) return false;
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string input(reinterpret_cast<const char*>(data), size);

    try {
        std::string once = caddyfile::format(input);
        if (caddyfile::format(once) != once) std::abort();  // formatting twice must equal formatting once
        if (!same_tokens(input, once)) std::abort();       // formatting must not change what is parsed
    } catch (const caddyfile::Error&) {
    }

    caddyfile::MemoryFileSystem fs;
    fs.add("/fuzz/Caddyfile", input);
    fs.add("/fuzz/other.caddy", input);  // `import other.caddy` (and globs) reach a second copy
    fs.add("/fuzz/worker.php", "<?php");
    caddyfile::LoadOptions options;
    options.fs = &fs;
    options.working_dir = "/fuzz";
    options.env = [](const std::string& name) -> std::optional<std::string> {
        if (name == "MULTI") return std::string("a {\n}\n b");
        return std::nullopt;
    };
    try {
        caddyfile::Config config = caddyfile::load_config("/fuzz/Caddyfile", options);
        (void)caddyfile::to_json(config).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    } catch (const caddyfile::Error&) {
    }
    return 0;
}
