// The fuzz corpora double as regression suites: every seed (and every
// reproducer added after a finding) goes through exactly what the fuzzer
// runs on it (fuzz/fuzz_body.h).
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>

#include "plugins/skydns-registry/fuzz/fuzz_body.h"

using namespace skycore::plugins::skydns_registry::fuzz;

namespace {
int replay(const char* corpus, const std::function<bool(std::string_view)>& body) {
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(SKYCORE_PLUGINS_DIR) + corpus)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CAPTURE(entry.path().string());
    CHECK(body(bytes));
    ++files;
  }
  return files;
}
}  // namespace

TEST_CASE("skydns-registry fuzz corpus: API bodies and journal lines") {
  CHECK(replay("/skydns-registry/fuzz/json_corpus", fuzz_skydns_json) >= 10);
}

TEST_CASE("skydns-registry fuzz corpus: etcd keys and values") {
  CHECK(replay("/skydns-registry/fuzz/etcd_corpus", fuzz_etcd_record) >= 10);
}

TEST_CASE("skydns-registry fuzz corpus: static catalogues") {
  CHECK(replay("/skydns-registry/fuzz/catalogue_corpus", fuzz_catalogue) >= 7);
  std::remove((fuzz_scratch_path("catalogue") + ".toml").c_str());
}
