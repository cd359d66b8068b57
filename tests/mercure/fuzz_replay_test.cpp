// The mercure fuzzer's seed corpus (tests/mercure/fuzz_corpus: each file a selector byte, then
// the input; see fuzz_mercure.cpp) replayed through the fuzz target itself on every test run, so
// its invariants (it aborts on a broken one) hold for the seeds even where no fuzzer is built.
#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

TEST_CASE("the mercure fuzz corpus replays cleanly") {
    namespace fs = std::filesystem;
    const fs::path dir = fs::path(POGO_SOURCE_DIR) / "tests/mercure/fuzz_corpus";
    size_t seeds = 0;
    for (const auto& entry : fs::directory_iterator(dir)) {
        CAPTURE(entry.path().string());
        std::ifstream in(entry.path(), std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        REQUIRE(!bytes.empty());
        CHECK(LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()) == 0);
        ++seeds;
    }
    CHECK(seeds >= 8);
}
