#include "core/corefile/parser.h"

namespace skycore::corefile {

// Plugins are set up once per server block with every occurrence of their
// directive, as CoreDNS does; the cursor's next() loop then walks them.
std::vector<Token> directive_tokens(const ServerBlock& block, std::string_view name) {
  std::vector<Token> out;
  for (const Directive& d : block.directives) {
    if (d.name != name) continue;
    out.insert(out.end(), d.tokens.begin(), d.tokens.end());
  }
  return out;
}

bool has_directive(const ServerBlock& block, std::string_view name) {
  for (const Directive& d : block.directives) {
    if (d.name == name) return true;
  }
  return false;
}

}  // namespace skycore::corefile
