// libFuzzer target: any bytes as a kubeconfig (YAML subset or JSON, via a
// scratch file in /tmp) through read_kubeconfig. Bad input may only throw
// std::runtime_error, as kubeconfig.h promises; a config that loads names a
// server. See fuzz_body.h.
#include <cstdio>
#include <cstdlib>

#include "plugins/kubernetes/fuzz/fuzz_body.h"

// The scratch file goes when the run ends.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  std::atexit([] { std::remove(skycore::plugins::kubernetes::fuzz::fuzz_scratch_path("kubeconfig").c_str()); });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  if (!skycore::plugins::kubernetes::fuzz::fuzz_kubeconfig(input)) __builtin_trap();
  return 0;
}
