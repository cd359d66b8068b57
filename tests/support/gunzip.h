// Test helper: inflates a gzip body, to check what the server's `encode gzip` sent.
#pragma once

#include <zlib.h>

#include <string>

namespace pogo::test {

// The decompressed bytes, or "<not gzip>" when `in` is not one complete gzip stream.
inline std::string gunzip(const std::string& in) {
    z_stream z{};
    inflateInit2(&z, 15 + 16);
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = uInt(in.size());
    std::string out;
    char buf[16384];
    int rc;
    do {
        z.next_out = reinterpret_cast<Bytef*>(buf);
        z.avail_out = sizeof buf;
        rc = inflate(&z, Z_NO_FLUSH);
        out.append(buf, sizeof buf - z.avail_out);
    } while (rc == Z_OK);
    inflateEnd(&z);
    return rc == Z_STREAM_END ? out : "<not gzip>";
}

}  // namespace pogo::test
