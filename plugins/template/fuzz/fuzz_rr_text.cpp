// libFuzzer target: a rendered template line (a query name goes into it, so
// clients choose part of this text) written as a record into a response,
// and Go template parsing of the same bytes. Neither may crash, and what
// write_rr writes must parse.
#include "plugins/template/fuzz/fuzz_rr_body.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (!skycore::plugins::template_::fuzz_one_rr({reinterpret_cast<const char*>(data), size})) __builtin_trap();
  return 0;
}
