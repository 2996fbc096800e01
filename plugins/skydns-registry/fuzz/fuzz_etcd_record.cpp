// libFuzzer target: "KEY\nVALUE" as an etcd key and value under the
// registry's prefix, read as a registration (service_from_etcd) or another
// tool's CoreDNS-etcd record (make_record). No exception may escape (one
// bad key would make the store's watch relist and fail again forever); a
// registration must read back the same after skycore rewrites it. See
// fuzz_body.h.
#include "plugins/skydns-registry/fuzz/fuzz_body.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  if (!skycore::plugins::skydns_registry::fuzz::fuzz_etcd_record(input)) __builtin_trap();
  return 0;
}
