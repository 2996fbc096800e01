#include "core/corefile/token_stream.h"

#include <fmt/format.h>

#include <stdexcept>

#include "core/corefile/error.h"

namespace skycore::corefile {

bool ImportOrigin::contains(const std::string& needle) const {
  for (const ImportOrigin* o = this; o != nullptr; o = o->parent.get()) {
    if (o->id == needle) return true;
  }
  return false;
}

void TokenStream::push(Tokens tokens, std::shared_ptr<const ImportOrigin> origin) {
  frames_.push_back(Frame{std::move(tokens), 0, std::move(origin)});
}

const Token* TokenStream::peek() {
  while (!frames_.empty()) {
    Frame& f = frames_.back();
    if (f.pos < f.tokens->size()) return &(*f.tokens)[f.pos];
    frames_.pop_back();
  }
  return nullptr;
}

bool TokenStream::peek_starts_line() {
  const Token* t = peek();
  if (t == nullptr) return true;
  return !has_last_ || !same_line(last_, *t);
}

Token TokenStream::next() {
  if (peek() == nullptr) throw std::logic_error("TokenStream::next() past the end");
  bool starts = peek_starts_line();
  Frame& f = frames_.back();  // peek() left a non-exhausted frame on top
  Token t = (*f.tokens)[f.pos++];
  if (++consumed_ > max_tokens_) {
    throw Error(t.file, t.line,
                fmt::format("Corefile too large: more than {} tokens after imports", max_tokens_));
  }
  t.line_start = starts;
  last_ = t;
  last_origin_ = f.origin;
  has_last_ = true;
  return t;
}

}  // namespace skycore::corefile
