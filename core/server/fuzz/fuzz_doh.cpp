// libFuzzer entry for doh_fuzz_body.h.
#include <cstdlib>

#include "core/server/fuzz/doh_fuzz_body.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (!skycore::server::fuzz::doh_one_input(data, size)) std::abort();
  return 0;
}
