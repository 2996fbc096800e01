// libFuzzer target: one Kubernetes API object as JSON (the first byte picks
// Service, EndpointSlice, Pod or Namespace) through objects.h's parse_*
// and then the snapshot builder, catching only what informer.cpp catches
// (std::exception around parsing). See fuzz_body.h.
#include "plugins/kubernetes/fuzz/fuzz_body.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  if (!skycore::plugins::kubernetes::fuzz::fuzz_kube_object(input)) __builtin_trap();
  return 0;
}
