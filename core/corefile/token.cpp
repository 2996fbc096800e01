#include "core/corefile/token.h"

#include <algorithm>

namespace skycore::corefile {

bool same_line(const Token& a, const Token& b) {
  if (b.line_start || a.file != b.file) return false;
  auto breaks = std::count(a.text.begin(), a.text.end(), '\n');
  return a.line + breaks == b.line;
}

}  // namespace skycore::corefile
