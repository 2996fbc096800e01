#include "core/corefile/token_stream.h"

#include <fmt/format.h>

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
  boundary_ = true;
}

const Token* TokenStream::peek() {
  while (!frames_.empty()) {
    Frame& f = frames_.back();
    if (f.pos < f.tokens->size()) return &(*f.tokens)[f.pos];
    frames_.pop_back();
    boundary_ = true;
  }
  return nullptr;
}

bool TokenStream::peek_starts_line() {
  const Token* t = peek();
  if (t == nullptr) return true;
  return !has_last_ || boundary_ || !same_line(last_, *t);
}

Token TokenStream::next() {
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
  boundary_ = false;
  return t;
}

}  // namespace skycore::corefile
