#include "core/plugin/json_reader.h"

#include <cstdint>

namespace skycore {
namespace {

void utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

}  // namespace

int JsonReader::hex4() {
  if (t_.size() - i_ < 4) return -1;
  int v = 0;
  for (int k = 0; k < 4; ++k) {
    char c = t_[i_++];
    v <<= 4;
    if (c >= '0' && c <= '9') v |= c - '0';
    else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
    else return -1;
  }
  return v;
}

bool JsonReader::number(std::string& out) {
  size_t start = i_;
  auto digits = [&] {
    size_t from = i_;
    while (!at_end() && peek() >= '0' && peek() <= '9') ++i_;
    return i_ > from;
  };
  consume('-');
  if (consume('0')) {
  } else if (!digits()) {
    return fail("unexpected character");
  }
  if (consume('.') && !digits()) return fail("bad number");
  if (!at_end() && (peek() == 'e' || peek() == 'E')) {
    ++i_;
    if (!consume('+')) consume('-');
    if (!digits()) return fail("bad number");
  }
  out.assign(t_.substr(start, i_ - start));
  return true;
}

bool JsonReader::string(std::string* outp) {
  if (!consume('"')) return fail("expected a string");
  std::string scratch;
  std::string& out = outp ? *outp : scratch;  // unescapes go to scratch when only checking (rare)
  out.clear();
  while (true) {
    size_t run = i_;
    while (!at_end() && peek() != '"' && peek() != '\\' && static_cast<unsigned char>(peek()) >= 0x20) ++i_;
    if (outp) out.append(t_.substr(run, i_ - run));
    if (at_end()) return fail("unterminated string");
    char c = t_[i_++];
    if (c == '"') return true;
    if (c != '\\') return fail("control character in a string");
    if (at_end()) return fail("unterminated string");
    switch (char e = t_[i_++]) {
      case '"': case '\\': case '/': out += e; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        int cp = hex4();
        if (cp < 0) return fail("bad \\u escape");
        if (cp >= 0xdc00 && cp <= 0xdfff) return fail("lone surrogate");
        if (cp >= 0xd800 && cp <= 0xdbff) {
          if (!literal("\\u")) return fail("lone surrogate");
          int low = hex4();
          if (low < 0xdc00 || low > 0xdfff) return fail("lone surrogate");
          cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
        }
        utf8(out, static_cast<uint32_t>(cp));
        break;
      }
      default: return fail("bad escape");
    }
  }
}

bool JsonReader::skip_value(int depth) {
  if (at_end()) return fail("unexpected end");
  std::string scratch;
  const char c = peek();
  if (c == '"') return string(nullptr);
  if (c == 't') return literal("true") || fail("unknown literal");
  if (c == 'f') return literal("false") || fail("unknown literal");
  if (c == 'n') return literal("null") || fail("unknown literal");
  if (c != '{' && c != '[') return number(scratch);
  if (depth + 1 > kMaxDepth) return fail("nested too deep");
  const bool array = c == '[';
  ++i_;
  skip_space();
  if (consume(array ? ']' : '}')) return true;
  while (true) {
    skip_space();
    if (!array) {
      if (!string(nullptr)) return false;
      skip_space();
      if (!consume(':')) return fail("expected ':'");
      skip_space();
    }
    if (!skip_value(depth + 1)) return false;
    skip_space();
    if (consume(',')) continue;
    if (consume(array ? ']' : '}')) return true;
    return fail(array ? "expected ',' or ']'" : "expected ',' or '}'");
  }
}

std::string_view JsonReader::raw_string_trusted() {
  const size_t start = ++i_;  // past the opening quote
  while (t_[i_] != '"') i_ += t_[i_] == '\\' ? 2 : 1;
  return t_.substr(start, i_++ - start);
}

void JsonReader::skip_trusted() {
  int depth = 0;
  do {
    const char c = t_[i_];
    if (c == '"') {
      raw_string_trusted();
    } else if (c == '{' || c == '[') {
      ++depth;
      ++i_;
    } else if (c == '}' || c == ']') {
      --depth;
      ++i_;
    } else if (c == ',' || c == ':' || c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i_;
    } else {  // a number or a literal: up to the next delimiter
      while (i_ < t_.size() && t_[i_] != ',' && t_[i_] != '}' && t_[i_] != ']' && t_[i_] != ' ' && t_[i_] != '\n' &&
             t_[i_] != '\r' && t_[i_] != '\t')
        ++i_;
    }
  } while (depth > 0);
}

}  // namespace skycore
