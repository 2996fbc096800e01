#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/corefile/error.h"
#include "core/corefile/token.h"
#include "core/corefile/zone_key.h"

namespace skycore::corefile {

// One occurrence of a directive. tokens: the directive name first, then its
// arguments and, if it has a { } block, the '{' ... '}' tokens too, exactly
// like CoreDNS's caddyfile dispenser sees one directive occurrence.
// Imports inside the block are already expanded.
struct Directive {
  std::string name;
  std::vector<Token> tokens;
};

struct ServerBlock {
  std::vector<Token> key_tokens;      // one per key as written (commas stripped)
  std::vector<ZoneKey> keys;          // parsed; a CIDR key contributes several
  std::vector<Directive> directives;  // in Corefile order, imports expanded
  std::string file;                   // where the block's first key is
  int line = 0;
};

struct Config {
  std::vector<ServerBlock> blocks;
};

// Limits for input that is not trusted to be a sane Corefile.
struct ParseOptions {
  // The fuzzer turns this off: `import PATH` would read the real disk.
  bool allow_file_imports = true;
  // Caps tokens read, counting every snippet paste, so nested imports cannot
  // expand exponentially.
  size_t max_tokens = 1'000'000;
};

// Parses a Corefile. Syntax as in CoreDNS: server blocks "KEY... { ... }"
// (keys separated by spaces and/or commas; a single block may omit the
// braces), one directive per line, `#` comments, quoted strings, {$ENV} and
// {%ENV%}, snippets "(name) { ... }" and `import NAME|PATH|GLOB`.
// The parser does not know directive names; the plugin registry checks them.
// Throws Error with the file:line of the offending token.
Config parse_file(const std::string& path, const ParseOptions& options = {});

// `filename` is what tokens and errors report; relative imports in `text`
// resolve against `base_dir`, imports inside imported files against those
// files' own directories.
Config parse_string(std::string_view text, const std::string& filename, const std::string& base_dir,
                    const ParseOptions& options = {});

// All occurrences of directive `name` in the block, their tokens
// concatenated in order: the input of TokenCursor for one plugin's setup.
std::vector<Token> directive_tokens(const ServerBlock& block, std::string_view name);
bool has_directive(const ServerBlock& block, std::string_view name);

}  // namespace skycore::corefile
