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

#include "plugins/kubernetes/fuzz/fuzz_body.h"

using namespace skycore::plugins::kubernetes::fuzz;

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

TEST_CASE("kubernetes fuzz corpus: API objects") {
  CHECK(replay("/kubernetes/fuzz/objects_corpus", fuzz_kube_object) >= 10);
}

TEST_CASE("kubernetes fuzz corpus: kubeconfigs") {
  CHECK(replay("/kubernetes/fuzz/kubeconfig_corpus", fuzz_kubeconfig) >= 10);
  std::remove(fuzz_scratch_path("kubeconfig").c_str());
}
