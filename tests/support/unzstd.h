// Test helper: decompresses a zstd body, to check what the server's `encode zstd` sent.
#pragma once

#include <zstd.h>

#include <string>

namespace pogo::test {

// The decompressed bytes, or "<not zstd>" when `in` is not a zstd stream.
inline std::string unzstd(const std::string& in) {
    ZSTD_DCtx* d = ZSTD_createDCtx();
    ZSTD_inBuffer src{in.data(), in.size(), 0};
    std::string out;
    char buf[16384];
    size_t rc = 1;
    while (src.pos < src.size || rc != 0) {
        ZSTD_outBuffer dst{buf, sizeof buf, 0};
        rc = ZSTD_decompressStream(d, &dst, &src);
        if (ZSTD_isError(rc)) {
            out = "<not zstd>";
            break;
        }
        out.append(buf, dst.pos);
        if (dst.pos == 0 && src.pos == src.size) break;
    }
    ZSTD_freeDCtx(d);
    return out;
}

}  // namespace pogo::test
