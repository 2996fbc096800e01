// A JSON object's members, read in one pass without building a document:
// the registry reads a small flat object per write (and per journal line on
// replay), and Poco's document cost more than the rest of the write. Nested
// values are checked and kept as written; strings are unescaped to UTF-8; numbers
// keep their text, for the caller's own range rules.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace skycore::plugins::skydns_registry {

struct JsonValue {
  enum Kind { string, number, boolean, null, nested };
  Kind kind = null;
  // string: unescaped; number: as written; boolean: "true"/"false";
  // nested: the object or array as written.
  std::string text;
};

using JsonMembers = std::vector<std::pair<std::string, JsonValue>>;

// The members of the object that is the whole of `text`, in document order
// (repeats kept); nullopt, or what is wrong: "expected a JSON object" when
// it does not start with '{', else "malformed JSON: ...". Nesting deeper than
// 128 is malformed (hostile bodies never reach the stack).
std::optional<std::string> parse_json_members(std::string_view text, JsonMembers& out);

}  // namespace skycore::plugins::skydns_registry
