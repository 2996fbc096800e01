// The fuzz corpus doubles as a regression suite: every seed (and every
// reproducer added after a finding) goes through exactly what the fuzzer
// runs on it (fuzz/fuzz_body.h).
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "plugins/hosts/fuzz/fuzz_body.h"

TEST_CASE("hosts fuzz corpus: every parsed entry is found both ways") {
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(SKYCORE_PLUGINS_DIR "/hosts/fuzz/corpus")) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CAPTURE(entry.path().string());
    CHECK(skycore::plugins::hosts::fuzz::fuzz_hosts_file(text));
    ++files;
  }
  CHECK(files >= 6);
}
