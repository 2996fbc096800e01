#include "core/corefile/env_subst.h"

#include <algorithm>
#include <cstdlib>

namespace skycore::corefile {

namespace {

// A name is anything up to the closing marker that could not plausibly be
// Corefile syntax: no whitespace and no braces, so "{$" inside a regex or a
// stray "{%" is left alone rather than swallowing the rest of the line.
bool is_name_char(char c) {
  return c != '{' && c != '}' && c != '%' && c != ' ' && c != '\t' && c != '\n' && c != '\r' &&
         c != '\v' && c != '\f';
}

std::string lookup(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  std::string out = v ? v : "";
  std::replace(out.begin(), out.end(), '\n', ' ');
  return out;
}

// If a reference starts at text[i], returns its length and sets `value`.
size_t match_reference(std::string_view text, size_t i, std::string& value) {
  if (i + 1 >= text.size() || text[i] != '{') return 0;
  char kind = text[i + 1];
  if (kind != '$' && kind != '%') return 0;
  size_t j = i + 2;
  while (j < text.size() && is_name_char(text[j])) ++j;
  if (j == i + 2) return 0;  // "{$}" is not a reference
  std::string_view close = kind == '$' ? "}" : "%}";
  if (text.substr(j, close.size()) != close) return 0;
  value = lookup(std::string(text.substr(i + 2, j - i - 2)));
  return j + close.size() - i;
}

}  // namespace

std::string substitute_env(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::string value;
  for (size_t i = 0; i < text.size();) {
    if (size_t len = match_reference(text, i, value)) {
      out += value;
      i += len;
    } else {
      out += text[i++];
    }
  }
  return out;
}

}  // namespace skycore::corefile
