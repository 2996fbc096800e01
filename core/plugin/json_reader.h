// A JSON tokenizer over text, one pass, no document: strings unescaped to
// UTF-8 (surrogate pairs joined, lone ones refused), numbers as written,
// nesting past kMaxDepth refused so hostile input never reaches the stack.
// The registry reads its flat bodies with it (json_members), the kubernetes
// plugin the API server's objects (json_view.h).
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace skycore {

class JsonReader {
 public:
  static constexpr int kMaxDepth = 128;
  explicit JsonReader(std::string_view text, size_t pos = 0) : t_(text), i_(pos) {}

  bool at_end() const { return i_ >= t_.size(); }
  char peek() const { return t_[i_]; }
  size_t pos() const { return i_; }
  std::string_view text() const { return t_; }
  bool consume(char c) {
    if (at_end() || peek() != c) return false;
    ++i_;
    return true;
  }
  void skip_space() {
    while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) ++i_;
  }
  bool literal(std::string_view word) {
    if (t_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    return true;
  }
  // A string at the cursor, unescaped into `out` (null: only checked).
  bool string(std::string* out);
  bool string(std::string& out) { return string(&out); }
  // A number at the cursor: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  bool number(std::string& out);
  // Any value at the cursor, checked and stepped over (depth: the caller's).
  bool skip_value(int depth);

  // In text already checked (JsonView): steps over a value, or over a
  // string returning what is between its quotes (escapes left as written).
  // Faster: nothing is unescaped or checked again.
  void skip_trusted();
  std::string_view raw_string_trusted();

  // Why the last call failed (a static string).
  const char* why() const { return why_ ? why_ : "unexpected character"; }
  bool fail(const char* reason) {
    why_ = reason;
    return false;
  }

 private:
  int hex4();

  std::string_view t_;
  size_t i_ = 0;
  const char* why_ = nullptr;
};

}  // namespace skycore
