// libFuzzer target: any bytes as a hosts(5) file through parse_hosts; every
// entry that parses must be found by name and by address. See fuzz_body.h.
#include "plugins/hosts/fuzz/fuzz_body.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  if (!skycore::plugins::hosts::fuzz::fuzz_hosts_file(input)) __builtin_trap();
  return 0;
}
