#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/corefile/error.h"
#include "core/corefile/token.h"

namespace skycore::corefile {

// Walks one directive's tokens during a plugin's setup, like CoreDNS's
// caddy Dispenser. Typical use:
//
//   TokenCursor c(directive_tokens(block, "forward"));
//   while (c.next()) {                      // each occurrence: on its name
//     auto args = c.remaining_args();        // rest of the line
//     while (c.next_block()) {               // each token inside { }
//       if (c.val() == "max_fails") { ... c.next_arg() ... }
//       else throw c.unknown_property();
//     }
//   }
//
// Lines: a token continues the current line when it has the same file and
// line (after any newlines inside the current token) and is not marked
// line_start by the parser. Braces are unquoted "{" / "}" tokens.
class TokenCursor {
 public:
  // Tokens of all occurrences of one directive in one server block,
  // concatenated. The cursor starts before the first token.
  explicit TokenCursor(std::vector<Token> tokens);

  // Advances to the next token, on any line. False at the end.
  bool next();
  // next() for a directive allowed once per server block (called where
  // next() starts each occurrence): a second occurrence is the error
  // "plugin 'NAME' can only be used once per server block".
  bool next_once();
  // Advances only onto an argument: a token on the current line that is not
  // a brace. At the start it moves onto the first token, like next().
  bool next_arg();
  // Call in a while loop after the arguments. The first call enters a '{'
  // on the current line (false if there is none); each call then moves to
  // the next token of the block and returns false on its matching '}'.
  // Nested braces inside are returned as tokens and kept balanced. To read a
  // nested block from inside a property, loop with the current nesting:
  //   for (int n = c.nesting(); c.next_block(n);) { ... }
  bool next_block(int initial_nesting = 0);
  // Advances to the next token if it is on a different line.
  bool next_line();

  const std::string& val() const;  // "" before the start or past the end
  const Token& token() const;      // an empty Token before the start
  // Consumes all remaining arguments on the current line.
  std::vector<std::string> remaining_args();
  // Number of blocks entered by next_block() and not yet left.
  int nesting() const { return nesting_; }

  // Errors at the current token's file:line (the nearest token when the
  // cursor is before the start or past the end).
  [[nodiscard]] Error err(std::string_view msg) const;
  // "wrong argument count or unexpected line ending after 'X'".
  [[nodiscard]] Error arg_err() const;
  // "unknown property 'X'".
  [[nodiscard]] Error unknown_property() const;
  int line() const;
  const std::string& file() const;

 private:
  bool has_next_on_line() const;
  const Token* nearest() const;

  std::vector<Token> tokens_;
  int cursor_ = -1;
  int occurrences_ = 0;  // next_once()
  int nesting_ = 0;
};

}  // namespace skycore::corefile
