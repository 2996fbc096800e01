#pragma once

#include <string>

namespace skycore::corefile {

// One lexical token of a Corefile. Tokens keep the file and line they were
// written on, also after `import` pasted them somewhere else, so every error
// points at the text the user actually has to edit.
struct Token {
  std::string text;  // without quotes; `\"` inside quotes already unescaped
  std::string file;
  int line = 0;         // 1-based; a quoted token spanning lines has its first line
  bool quoted = false;  // a quoted "{" or "}" is text, never a brace
  // Set by the parser on the first token of a line as it was read. A
  // directive's occurrences are concatenated without the `import` lines
  // between them, so two pastes of one snippet would otherwise look like
  // one line to the cursor. Hand-built tokens may leave it false.
  bool line_start = false;
};

// Structural braces are unquoted; everything else is plain text.
inline bool is_open_brace(const Token& t) { return !t.quoted && t.text == "{"; }
inline bool is_close_brace(const Token& t) { return !t.quoted && t.text == "}"; }

// True when `b` continues the line `a` ends on. A quoted token spanning
// lines ends on a later line than it starts, hence the newline count.
bool same_line(const Token& a, const Token& b);

}  // namespace skycore::corefile
