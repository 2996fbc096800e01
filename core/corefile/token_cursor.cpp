#include "core/corefile/token_cursor.h"

#include <fmt/format.h>

namespace skycore::corefile {

namespace {
const Token kNoToken{};
}  // namespace

TokenCursor::TokenCursor(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

bool TokenCursor::next() {
  if (cursor_ + 1 >= static_cast<int>(tokens_.size())) return false;
  ++cursor_;
  return true;
}

bool TokenCursor::next_once() {
  if (!next()) return false;
  if (++occurrences_ > 1) throw err("plugin '" + val() + "' can only be used once per server block");
  return true;
}

bool TokenCursor::has_next_on_line() const {
  int n = cursor_ + 1;
  if (cursor_ < 0 || n >= static_cast<int>(tokens_.size())) return false;
  return same_line(tokens_[cursor_], tokens_[n]);
}

bool TokenCursor::next_arg() {
  if (cursor_ < 0) return next();
  if (!has_next_on_line()) return false;
  // A brace is structure: refusing it here keeps remaining_args() and a
  // following next_block() in step.
  const Token& n = tokens_[cursor_ + 1];
  if (is_open_brace(n) || is_close_brace(n)) return false;
  ++cursor_;
  return true;
}

bool TokenCursor::next_block(int initial_nesting) {
  if (nesting_ > initial_nesting) {
    if (!next()) return false;  // the parser balances braces, so only on hand-made tokens
    if (is_close_brace(tokens_[cursor_])) {
      --nesting_;
    } else if (is_open_brace(tokens_[cursor_])) {
      ++nesting_;
    }
    return nesting_ > initial_nesting;
  }
  // The block must open on the line of the directive (or property).
  if (!has_next_on_line() || !is_open_brace(tokens_[cursor_ + 1])) return false;
  ++cursor_;
  ++nesting_;
  return next_block(initial_nesting);  // step onto the first token inside
}

bool TokenCursor::next_line() {
  if (cursor_ < 0) return next();
  if (cursor_ + 1 >= static_cast<int>(tokens_.size()) || has_next_on_line()) return false;
  ++cursor_;
  return true;
}

const Token& TokenCursor::token() const {
  if (cursor_ < 0 || cursor_ >= static_cast<int>(tokens_.size())) return kNoToken;
  return tokens_[cursor_];
}

const std::string& TokenCursor::val() const { return token().text; }

std::vector<std::string> TokenCursor::remaining_args() {
  std::vector<std::string> args;
  while (next_arg()) args.push_back(val());
  return args;
}

const Token* TokenCursor::nearest() const {
  if (tokens_.empty()) return nullptr;
  if (cursor_ < 0) return &tokens_.front();
  if (cursor_ >= static_cast<int>(tokens_.size())) return &tokens_.back();
  return &tokens_[cursor_];
}

int TokenCursor::line() const {
  const Token* t = nearest();
  return t ? t->line : 0;
}

const std::string& TokenCursor::file() const {
  const Token* t = nearest();
  return t ? t->file : kNoToken.file;
}

Error TokenCursor::err(std::string_view msg) const {
  return Error(file(), line(), std::string(msg));
}

Error TokenCursor::arg_err() const {
  if (is_open_brace(token())) return err("unexpected token '{', expecting argument");
  return err(fmt::format("wrong argument count or unexpected line ending after '{}'", val()));
}

Error TokenCursor::unknown_property() const {
  return err(fmt::format("unknown property '{}'", val()));
}

}  // namespace skycore::corefile
