#include <Poco/JSON/Parser.h>
#include <doctest/doctest.h>

#include "plugins/skydns-registry/json_members.h"

using namespace skycore::plugins::skydns_registry;

namespace {
std::string error_of(std::string_view text) {
  JsonMembers m;
  auto err = parse_json_members(text, m);
  return err ? *err : "";
}

// Whether Poco's parser (what the registry used before) takes `text`.
bool poco_accepts(const std::string& text) {
  try {
    Poco::JSON::Parser p;
    p.parse(text);
    return true;
  } catch (...) {
    return false;
  }
}
}  // namespace

TEST_CASE("json members: strings are unescaped to UTF-8") {
  JsonMembers m;
  REQUIRE_FALSE(parse_json_members(R"({"a":"x\"\\\/\b\f\n\r\t","b":"\u00e9\u20ac","c":"\ud83d\ude00"})", m));
  REQUIRE(m.size() == 3);
  CHECK(m[0].second.text == "x\"\\/\b\f\n\r\t");
  CHECK(m[1].second.text == "\xc3\xa9\xe2\x82\xac");
  CHECK(m[2].second.text == "\xf0\x9f\x98\x80");
  CHECK(error_of(R"({"a":"\ud83d"})").starts_with("malformed JSON: lone surrogate"));
  CHECK(error_of(R"({"a":"\ude00"})").starts_with("malformed JSON: lone surrogate"));
  CHECK(error_of("{\"a\":\"x\ny\"}").starts_with("malformed JSON: control character"));
  CHECK(error_of(R"({"a":"\x"})").starts_with("malformed JSON: bad escape"));
  CHECK(error_of(R"({"a":"\u12g4"})").starts_with("malformed JSON: bad \\u escape"));
}

TEST_CASE("json members: kinds, numbers as written, nested values skipped, repeats kept") {
  JsonMembers m;
  REQUIRE_FALSE(parse_json_members(R"( { "n" : -1.5e+3 , "t":true, "f":false, "z":null,
      "o":{"x":[1,{"y":[]}]}, "n":0 } )", m));
  REQUIRE(m.size() == 6);
  CHECK(m[0].second.kind == JsonValue::number);
  CHECK(m[0].second.text == "-1.5e+3");
  CHECK(m[1].second.kind == JsonValue::boolean);
  CHECK(m[2].second.text == "false");
  CHECK(m[3].second.kind == JsonValue::null);
  CHECK(m[4].second.kind == JsonValue::nested);
  CHECK(m[5].first == "n");
  CHECK(m[5].second.text == "0");
}

TEST_CASE("json members: nesting is bounded") {
  auto nest = [](int depth) {
    std::string s = "{\"a\":";
    for (int i = 1; i < depth; ++i) s += "[";
    s += "1";
    for (int i = 1; i < depth; ++i) s += "]";
    return s + "}";
  };
  CHECK(error_of(nest(128)) == "");
  CHECK(error_of(nest(129)).starts_with("malformed JSON: nested too deep"));
  std::string hostile;
  for (int i = 0; i < 100000; ++i) hostile += "[";
  CHECK(error_of("{\"a\":" + hostile).starts_with("malformed JSON"));
}

TEST_CASE("json members: accepts and refuses what Poco's parser does") {
  const char* texts[] = {
      "{}", R"({"a":1})", R"({"a":01})", R"({"a":1.})", R"({"a":.5})", R"({"a":-})", R"({"a":1e})",
      R"({"a":1e+})", R"({"a":-0})", R"({"a":1E5})", R"({"a":[1,2,]})", R"({"a":[,]})", R"({"a":{}})",
      R"({"a":{"b"}})", R"({"a":{"b":1,}})", R"({"a":tru})", R"({"a":nul})", R"({"a":true})",
      R"({"a" 1})", R"({"a":1 "b":2})", R"({"a":1,})", R"({,})", R"({"a":"b"}})", R"({"a":"b"} x)",
      R"({"a":"\u0041"})", R"({"a":"b)", R"({"a":[1,[2,[3]]]})", R"({"a":"x","b":[true,false,null]})",
      "{\"a\":1}\n", " {\"a\" : [ ] } ", R"({1:2})",
  };
  for (const char* t : texts) {
    CAPTURE(t);
    CHECK((error_of(t) == "") == poco_accepts(t));
  }
}
