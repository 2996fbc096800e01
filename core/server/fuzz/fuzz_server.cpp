// libFuzzer target: each input is a DNS query packet, run through the real
// server: handle_query and the plugin chain cache, hosts, kubernetes (a
// fake in-process API server), skydns-registry and whoami, built once from
// a Corefile (see fuzz_body.h). Over UDP and TCP, every response must
// parse, fit the transport and carry the query's ID.
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "core/server/fuzz/fuzz_body.h"

namespace {
skycore::server::fuzz::FuzzServer* server = nullptr;  // never freed: its threads run until exit
}

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  try {
    server = new skycore::server::fuzz::FuzzServer();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz_server: set-up failed: %s\n", e.what());
    std::abort();
  }
  std::atexit([] { server->remove_scratch_files(); });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (!server->query({data, size})) __builtin_trap();
  return 0;
}
