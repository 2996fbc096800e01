// The whole-server fuzz corpus doubles as a regression suite: every query
// (and every reproducer added after a finding) goes through the same
// server and chain the fuzzer builds (fuzz/fuzz_body.h), whose set-up also
// checks that each data source answers.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "core/server/fuzz/fuzz_body.h"

TEST_CASE("fuzz_server corpus: every response parses, fits and keeps the ID") {
  skycore::server::fuzz::FuzzServer server;
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(SKYCORE_SERVER_CORPUS)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::vector<uint8_t> pkt((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CAPTURE(entry.path().string());
    CHECK(server.query(pkt));
    ++files;
  }
  CHECK(files >= 20);
}
