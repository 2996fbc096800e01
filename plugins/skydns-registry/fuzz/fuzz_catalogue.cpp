// libFuzzer target: any bytes as a static catalogue (`services FILE.toml`,
// written to a scratch file in /tmp). Bad input may only throw
// std::runtime_error; a catalogue that loads holds valid, distinct
// services. See fuzz_body.h.
#include <cstdio>
#include <cstdlib>

#include "plugins/skydns-registry/fuzz/fuzz_body.h"

// The scratch file goes when the run ends.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  std::atexit([] {
    std::remove((skycore::plugins::skydns_registry::fuzz::fuzz_scratch_path("catalogue") + ".toml").c_str());
  });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  if (!skycore::plugins::skydns_registry::fuzz::fuzz_catalogue(input)) __builtin_trap();
  return 0;
}
