#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "core/corefile/token.h"

namespace skycore::corefile {

// Who pasted a run of tokens: a snippet or an imported file, and who
// imported that. Each pasted run remembers its own chain, so an import
// cycle is found by walking it, and sibling files of one glob are never
// mistaken for one another's ancestors.
struct ImportOrigin {
  std::string id;  // "snippet NAME" or "file /canonical/path"
  std::shared_ptr<const ImportOrigin> parent;

  bool contains(const std::string& needle) const;
};

// The parser's input: a stack of token runs, where `import` pushes the
// pasted tokens on top so they are read next, in place of the import line.
// Internal to the parser (not installed for plugins).
class TokenStream {
 public:
  using Tokens = std::shared_ptr<const std::vector<Token>>;

  explicit TokenStream(size_t max_tokens) : max_tokens_(max_tokens) {}

  void push(Tokens tokens, std::shared_ptr<const ImportOrigin> origin);

  const Token* peek();  // nullptr at end of input
  // Whether the next token starts a logical line: true at the very start
  // and whenever it is not on the line the last consumed token ended on.
  // Pasted tokens sit on another line or in another file than the
  // `import NAME` that pulled them in, so they start a line without any
  // special casing.
  bool peek_starts_line();
  // Consumes the next token (peek() must be non-null) and returns it with
  // line_start filled in. Throws Error past max_tokens, which bounds what
  // nested snippet imports can blow up to.
  Token next();

  const Token& last() const { return last_; }  // the last consumed token
  // Origin of the run the last consumed token came from.
  const std::shared_ptr<const ImportOrigin>& last_origin() const { return last_origin_; }

 private:
  struct Frame {
    Tokens tokens;
    size_t pos = 0;
    std::shared_ptr<const ImportOrigin> origin;
  };

  std::vector<Frame> frames_;
  bool has_last_ = false;
  Token last_;
  std::shared_ptr<const ImportOrigin> last_origin_;
  size_t consumed_ = 0;
  size_t max_tokens_;
};

}  // namespace skycore::corefile
