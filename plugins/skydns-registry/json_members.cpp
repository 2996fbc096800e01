#include "plugins/skydns-registry/json_members.h"

#include <cstdint>

namespace skycore::plugins::skydns_registry {
namespace {

constexpr int kMaxDepth = 128;

class Reader {
 public:
  explicit Reader(std::string_view t) : t_(t) {}

  std::optional<std::string> object(JsonMembers& out) {
    skip_space();
    if (at_end()) return std::string("malformed JSON: empty body");
    if (peek() != '{') return std::string("expected a JSON object");
    ++i_;
    skip_space();
    if (consume('}')) return finish();
    while (true) {
      skip_space();
      std::string name;
      if (!string(name)) return fail();
      skip_space();
      if (!consume(':')) return fail("expected ':'");
      skip_space();
      JsonValue v;
      if (!value(v, 1)) return fail();
      out.emplace_back(std::move(name), std::move(v));
      skip_space();
      if (consume(',')) continue;
      if (consume('}')) return finish();
      return fail("expected ',' or '}'");
    }
  }

 private:
  std::optional<std::string> finish() {
    skip_space();
    if (!at_end()) return fail("text after the object");
    return std::nullopt;
  }
  std::optional<std::string> fail(const char* why = nullptr) {
    std::string reason = why ? why : (why_ ? why_ : "unexpected character");
    return "malformed JSON: " + reason + " at offset " + std::to_string(i_);
  }

  bool at_end() const { return i_ >= t_.size(); }
  char peek() const { return t_[i_]; }
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

  bool value(JsonValue& v, int depth) {
    if (at_end()) return why("unexpected end");
    char c = peek();
    if (c == '"') {
      v.kind = JsonValue::string;
      return string(v.text);
    }
    if (c == '{' || c == '[') {
      v.kind = JsonValue::nested;
      return skip_nested(depth + 1);
    }
    if (c == 't' || c == 'f') {
      v.kind = JsonValue::boolean;
      v.text = c == 't' ? "true" : "false";
      return literal(v.text) || why("unknown literal");
    }
    if (c == 'n') {
      v.kind = JsonValue::null;
      return literal("null") || why("unknown literal");
    }
    v.kind = JsonValue::number;
    return number(v.text);
  }

  // An array or object, checked and dropped.
  bool skip_nested(int depth) {
    if (depth > kMaxDepth) return why("nested too deep");
    bool array = peek() == '[';
    ++i_;
    skip_space();
    if (consume(array ? ']' : '}')) return true;
    while (true) {
      skip_space();
      if (!array) {
        std::string name;
        if (!string(name)) return false;
        skip_space();
        if (!consume(':')) return why("expected ':'");
        skip_space();
      }
      JsonValue v;
      if (!value(v, depth)) return false;
      skip_space();
      if (consume(',')) continue;
      if (consume(array ? ']' : '}')) return true;
      return why(array ? "expected ',' or ']'" : "expected ',' or '}'");
    }
  }

  // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  bool number(std::string& out) {
    size_t start = i_;
    auto digits = [&] {
      size_t from = i_;
      while (!at_end() && peek() >= '0' && peek() <= '9') ++i_;
      return i_ > from;
    };
    consume('-');
    if (consume('0')) {
    } else if (!digits()) {
      return why("unexpected character");
    }
    if (consume('.') && !digits()) return why("bad number");
    if (!at_end() && (peek() == 'e' || peek() == 'E')) {
      ++i_;
      if (!consume('+')) consume('-');
      if (!digits()) return why("bad number");
    }
    out.assign(t_.substr(start, i_ - start));
    return true;
  }

  int hex4() {
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

  static void utf8(std::string& out, uint32_t cp) {
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

  bool string(std::string& out) {
    if (!consume('"')) return why("expected a string");
    out.clear();
    while (true) {
      size_t run = i_;
      while (!at_end() && peek() != '"' && peek() != '\\' && static_cast<unsigned char>(peek()) >= 0x20) ++i_;
      out.append(t_.substr(run, i_ - run));
      if (at_end()) return why("unterminated string");
      char c = t_[i_++];
      if (c == '"') return true;
      if (c != '\\') return why("control character in a string");
      if (at_end()) return why("unterminated string");
      switch (char e = t_[i_++]) {
        case '"': case '\\': case '/': out += e; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          int cp = hex4();
          if (cp < 0) return why("bad \\u escape");
          if (cp >= 0xdc00 && cp <= 0xdfff) return why("lone surrogate");
          if (cp >= 0xd800 && cp <= 0xdbff) {
            if (!literal("\\u")) return why("lone surrogate");
            int low = hex4();
            if (low < 0xdc00 || low > 0xdfff) return why("lone surrogate");
            cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
          }
          utf8(out, static_cast<uint32_t>(cp));
          break;
        }
        default: return why("bad escape");
      }
    }
  }

  bool why(const char* reason) {
    why_ = reason;
    return false;
  }

  std::string_view t_;
  size_t i_ = 0;
  const char* why_ = nullptr;
};

}  // namespace

std::optional<std::string> parse_json_members(std::string_view text, JsonMembers& out) {
  out.clear();
  return Reader(text).object(out);
}

}  // namespace skycore::plugins::skydns_registry
