// The rr_text fuzzer's seed corpus, replayed in the normal build.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "plugins/template/fuzz/fuzz_rr_body.h"

TEST_CASE("template: the rr_text fuzz corpus replays without a failure") {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(SKYCORE_PLUGINS_DIR "/template/fuzz/rr_corpus")) {
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    CHECK(skycore::plugins::template_::fuzz_one_rr(ss.str()));
    ++n;
  }
  CHECK(n >= 6);
}
