#include <filesystem>
#include <fstream>
#include <sstream>

#include "test_util.h"

using namespace skycore::corefile;

// Every fuzz seed goes through the parser the way the fuzzer runs it: it
// either parses or fails with an Error that points at a line.
TEST_CASE("fuzz corpus: parses or fails with a located error") {
  ParseOptions opts;
  opts.allow_file_imports = false;
  int files = 0, parsed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(SKYCORE_COREFILE_CORPUS)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    ++files;
    CAPTURE(entry.path().string());
    try {
      parse_string(text.str(), "corpus", SKYCORE_COREFILE_CORPUS, opts);
      ++parsed;
    } catch (const Error& e) {
      CHECK(e.line() > 0);
      CHECK_FALSE(e.message().empty());
    }
  }
  CHECK(files >= 12);
  CHECK(parsed >= 4);     // the seeds include valid Corefiles...
  CHECK(parsed < files);  // ...and broken ones
}
