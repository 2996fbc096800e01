// The DoH fuzz corpus as a regression suite: each file through the same
// harness body (fuzz/doh_fuzz_body.h) the fuzzer runs.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "core/server/fuzz/doh_fuzz_body.h"

TEST_CASE("fuzz_doh corpus: HTTP/2 frames and HTTP/1.1 requests keep their invariants") {
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(SKYCORE_DOH_CORPUS)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CAPTURE(entry.path().string());
    CHECK(skycore::server::fuzz::doh_one_input(bytes.data(), bytes.size()));
    ++files;
  }
  CHECK(files >= 4);
}
