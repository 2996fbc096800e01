// libFuzzer target: any bytes through the Corefile parser and every
// directive through the token cursor. Parsing may fail only with an Error
// that points at a line; anything else (crash, sanitizer report, another
// exception type) is a bug.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/corefile/parser.h"
#include "core/corefile/token_cursor.h"

using namespace skycore::corefile;

namespace {

// Drives the cursor the way plugin setup code does, including nested
// blocks, to check it never walks out of its tokens.
void walk(const ServerBlock& block, const Directive& d) {
  TokenCursor c(directive_tokens(block, d.name));
  while (c.next()) {
    c.remaining_args();
    while (c.next_block()) {
      if (c.next_arg()) c.remaining_args();
      for (int n = c.nesting(); c.next_block(n);) c.next_line();
    }
    (void)c.err("x").what();
  }
  (void)c.arg_err();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ParseOptions opts;
  opts.allow_file_imports = false;  // the fuzzer must not read the disk
  opts.max_tokens = 100'000;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    Config cfg = parse_string(text, "fuzz", "/nonexistent", opts);
    for (const auto& block : cfg.blocks) {
      if (block.keys.empty() || block.line <= 0) std::abort();
      for (const auto& d : block.directives) walk(block, d);
    }
  } catch (const Error& e) {
    if (e.line() <= 0) std::abort();
  }
  return 0;
}
