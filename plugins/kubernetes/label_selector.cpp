#include "plugins/kubernetes/label_selector.h"

#include <cctype>
#include <vector>

namespace skycore::plugins::kubernetes {
namespace {

bool alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// A label name or value: at most 63 of [A-Za-z0-9-_.], alphanumeric at both
// ends (a value may also be empty).
bool valid_name(std::string_view s, bool may_be_empty) {
  if (s.empty()) return may_be_empty;
  if (s.size() > 63 || !alnum(s.front()) || !alnum(s.back())) return false;
  for (char c : s)
    if (!alnum(c) && c != '-' && c != '_' && c != '.') return false;
  return true;
}

// [prefix/]name, the prefix a DNS subdomain of at most 253.
bool valid_key(std::string_view k) {
  auto slash = k.find('/');
  if (slash == std::string_view::npos) return valid_name(k, false);
  std::string_view prefix = k.substr(0, slash);
  if (prefix.empty() || prefix.size() > 253) return false;
  for (char c : prefix)
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '.'))
      return false;
  return valid_name(k.substr(slash + 1), false);
}

struct Lexer {
  std::string_view s;
  size_t i = 0;
  void skip() {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  }
  bool done() {
    skip();
    return i >= s.size();
  }
  bool take(std::string_view t) {
    skip();
    if (s.substr(i, t.size()) != t) return false;
    i += t.size();
    return true;
  }
  // A run of characters that can be part of a key or value.
  std::string_view word() {
    skip();
    size_t b = i;
    while (i < s.size() && (alnum(s[i]) || std::string_view("-_./").find(s[i]) != std::string_view::npos)) ++i;
    return s.substr(b, i - b);
  }
};

}  // namespace

std::optional<std::string> label_selector_error(std::string_view selector) {
  Lexer lx{selector};
  if (lx.done()) return std::nullopt;  // empty: everything
  while (true) {
    bool negated = lx.take("!");
    std::string_view key = lx.word();
    if (!valid_key(key)) return "'" + std::string(key) + "' is not a valid label key";
    if (!negated) {
      if (lx.take("==") || lx.take("!=") || lx.take("=")) {
        std::string_view v = lx.word();
        if (!valid_name(v, true)) return "'" + std::string(v) + "' is not a valid label value";
      } else {
        size_t save = lx.i;
        std::string_view op = lx.word();
        if (op == "in" || op == "notin") {
          if (!lx.take("(")) return "'" + std::string(op) + "' needs a '(' value list";
          while (true) {
            std::string_view v = lx.word();
            if (!valid_name(v, true)) return "'" + std::string(v) + "' is not a valid label value";
            if (lx.take(")")) break;
            if (!lx.take(",")) return "unclosed '(' in a value list";
          }
        } else {
          lx.i = save;  // a bare key: exists
        }
      }
    }
    if (lx.done()) return std::nullopt;
    if (!lx.take(",")) return "unexpected '" + std::string(selector.substr(lx.i, 10)) + "'";
  }
}

}  // namespace skycore::plugins::kubernetes
