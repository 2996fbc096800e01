#include "core/corefile/lexer.h"

#include "core/corefile/error.h"

namespace skycore::corefile {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

class Lexer {
 public:
  Lexer(std::string_view text, const std::string& file) : text_(text), file_(file) {
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
  }

  std::vector<Token> run() {
    std::vector<Token> out;
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == '\n') {
        ++line_;
        ++pos_;
      } else if (is_space(c)) {
        ++pos_;
      } else if (c == '#') {
        skip_comment();
      } else if (c == '"') {
        out.push_back(quoted());
      } else {
        out.push_back(word());
      }
    }
    return out;
  }

 private:
  void skip_comment() {
    while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
  }

  // A bare word ends at whitespace or at a comment; a '"' inside it is text.
  Token word() {
    Token t{{}, file_, line_, false};
    while (pos_ < text_.size() && !is_space(text_[pos_]) && text_[pos_] != '#') {
      t.text += text_[pos_++];
    }
    return t;
  }

  // The token ends right after the closing quote, so "a"b is two tokens.
  Token quoted() {
    Token t{{}, file_, line_, true};
    ++pos_;  // opening quote
    while (pos_ < text_.size()) {
      char c = text_[pos_++];
      if (c == '"') return t;
      if (c == '\\' && pos_ < text_.size()) {
        // Like Caddy, a backslash escapes the next character but is only
        // dropped before a quote, so "\\" stays two characters and a regex
        // like "a\.b" needs no doubling.
        c = text_[pos_++];
        if (c != '"') t.text += '\\';
      }
      if (c == '\n') ++line_;
      t.text += c;
    }
    throw Error(file_, t.line, "Unterminated quoted string");
  }

  std::string_view text_;
  const std::string& file_;
  size_t pos_ = 0;
  int line_ = 1;
};

}  // namespace

std::vector<Token> tokenize(std::string_view text, const std::string& file) {
  return Lexer(text, file).run();
}

}  // namespace skycore::corefile
