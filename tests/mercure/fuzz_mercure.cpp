// libFuzzer target for the parsers of mercure/ that read what clients send: the first byte picks
// one, the rest is its input. Each must return (never crash, hang or throw), and:
//  0  URI template "TEMPLATE\nTOPIC": compiles or says why; a compiled one matches in one pass.
//  1  publish form: an accepted update passes validate_update(), and its SSE event is one event
//     (the only blank line is the one that ends it: no data can forge another event).
//  2  a JWT verified against an HS256 secret: a result, never an exception.
//  3  a history record payload: what decodes re-encodes to the same bytes.
// Build with -DPOGO_FUZZ=ON and clang; run: ./mercure_fuzz -max_len=4096
#include "mercure/history_file.h"
#include "mercure/jwt.h"
#include "mercure/publish_form.h"
#include "mercure/sse.h"
#include "mercure/uri_template.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

using namespace pogo::mercure;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
    switch (data[0] % 4) {
        case 0: {
            const size_t nl = input.find('\n');
            const std::string_view tpl = input.substr(0, nl);
            const std::string_view topic = nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);
            std::string error;
            auto t = UriTemplate::compile(tpl, &error);
            if (!t && error.rfind("uri template: offset ", 0) != 0) std::abort();
            if (t) {
                (void)t->matches(topic);
                // A template without expressions is its own only match.
                if (tpl.find('{') == std::string_view::npos && !t->matches(tpl)) std::abort();
            }
            break;
        }
        case 1: {
            std::string error;
            auto u = parse_publish_form(input, &error);
            if (!u) {
                if (error.empty()) std::abort();
                break;
            }
            if (validate_update(*u)) std::abort();
            u->id = "urn:uuid:x";
            const std::string event = sse_event(*u);
            if (event.size() < 2 || event.find("\n\n") != event.size() - 2) std::abort();
            break;
        }
        case 2: {
            static std::string error;
            static auto verifier = JwtVerifier::create("secret", JwtAlg::HS256, &error);
            auto r = verifier->verify(input, std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000)));
            if (!r.ok() && r.detail.empty()) std::abort();
            break;
        }
        case 3: {
            Update u;
            if (FileHistory::decode(input, &u) && std::string_view(FileHistory::encode(u)).substr(8) != input)
                std::abort();
            break;
        }
    }
    return 0;
}
