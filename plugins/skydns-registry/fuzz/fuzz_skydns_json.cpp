// libFuzzer target: any bytes as a SkyDNS 1 HTTP API body (from_json,
// ttl_from_json, callback_from_json) and as a journal line
// (parse_journal_line). No exception may escape (the API does not catch
// one); an accepted service must survive the journal. See fuzz_body.h.
#include "plugins/skydns-registry/fuzz/fuzz_body.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  if (!skycore::plugins::skydns_registry::fuzz::fuzz_skydns_json(input)) __builtin_trap();
  return 0;
}
