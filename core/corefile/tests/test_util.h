#pragma once

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/corefile/error.h"
#include "core/corefile/parser.h"

namespace skycore::corefile::testing {

inline Config parse(std::string_view text) { return parse_string(text, "Corefile", "."); }

// Parses `text`, which must fail; returns the error so tests can check the
// exact line and message.
inline Error parse_error(std::string_view text, const std::string& base_dir = ".") {
  try {
    parse_string(text, "Corefile", base_dir);
  } catch (const Error& e) {
    return e;
  }
  FAIL("expected a parse error for: " << std::string(text));
  return Error("", 0, "");
}

inline std::vector<std::string> texts(const std::vector<Token>& tokens) {
  std::vector<std::string> out;
  for (const auto& t : tokens) out.push_back(t.text);
  return out;
}

inline std::vector<std::string> zones(const ServerBlock& b) {
  std::vector<std::string> out;
  for (const auto& k : b.keys) out.push_back(to_string(k));
  return out;
}

inline std::vector<std::string> directive_names(const ServerBlock& b) {
  std::vector<std::string> out;
  for (const auto& d : b.directives) out.push_back(d.name);
  return out;
}

inline bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace skycore::corefile::testing
