// libFuzzer target: the query validator, the reply writer on whatever it
// accepts, and the full message parser must survive any bytes.
#include "core/wire/fuzz/fuzz_body.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (!skycore::wire::fuzz_one_message({data, size})) __builtin_trap();
  return 0;
}
