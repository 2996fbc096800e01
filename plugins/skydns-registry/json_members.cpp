#include "plugins/skydns-registry/json_members.h"

#include <cstdint>

#include "core/plugin/json_reader.h"

namespace skycore::plugins::skydns_registry {
namespace {

// The members of the top-level object; nested values are checked and kept as written.
class Reader {
 public:
  explicit Reader(std::string_view t) : r_(t) {}

  std::optional<std::string> object(JsonMembers& out) {
    r_.skip_space();
    if (r_.at_end()) return std::string("malformed JSON: empty body");
    if (r_.peek() != '{') return std::string("expected a JSON object");
    r_.consume('{');
    r_.skip_space();
    if (r_.consume('}')) return finish();
    while (true) {
      r_.skip_space();
      std::string name;
      if (!r_.string(name)) return fail();
      r_.skip_space();
      if (!r_.consume(':')) return fail("expected ':'");
      r_.skip_space();
      JsonValue v;
      if (!value(v)) return fail();
      out.emplace_back(std::move(name), std::move(v));
      r_.skip_space();
      if (r_.consume(',')) continue;
      if (r_.consume('}')) return finish();
      return fail("expected ',' or '}'");
    }
  }

 private:
  std::optional<std::string> finish() {
    r_.skip_space();
    if (!r_.at_end()) return fail("text after the object");
    return std::nullopt;
  }
  std::optional<std::string> fail(const char* why = nullptr) {
    return "malformed JSON: " + std::string(why ? why : r_.why()) + " at offset " + std::to_string(r_.pos());
  }

  bool value(JsonValue& v) {
    if (r_.at_end()) return r_.fail("unexpected end");
    char c = r_.peek();
    if (c == '"') {
      v.kind = JsonValue::string;
      return r_.string(v.text);
    }
    if (c == '{' || c == '[') {
      v.kind = JsonValue::nested;
      size_t start = r_.pos();
      if (!r_.skip_value(1)) return false;
      v.text.assign(r_.text().substr(start, r_.pos() - start));
      return true;
    }
    if (c == 't' || c == 'f') {
      v.kind = JsonValue::boolean;
      v.text = c == 't' ? "true" : "false";
      return r_.literal(v.text) || r_.fail("unknown literal");
    }
    if (c == 'n') {
      v.kind = JsonValue::null;
      return r_.literal("null") || r_.fail("unknown literal");
    }
    v.kind = JsonValue::number;
    return r_.number(v.text);
  }

  JsonReader r_;
};

}  // namespace

std::optional<std::string> parse_json_members(std::string_view text, JsonMembers& out) {
  out.clear();
  return Reader(text).object(out);
}

}  // namespace skycore::plugins::skydns_registry
