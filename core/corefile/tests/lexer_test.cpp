#include "core/corefile/lexer.h"

#include <doctest/doctest.h>
#include <stdlib.h>

#include "core/corefile/env_subst.h"
#include "core/corefile/error.h"

using namespace skycore::corefile;

namespace {

std::vector<std::string> texts(const std::vector<Token>& tokens) {
  std::vector<std::string> out;
  for (const auto& t : tokens) out.push_back(t.text);
  return out;
}

std::vector<int> lines(const std::vector<Token>& tokens) {
  std::vector<int> out;
  for (const auto& t : tokens) out.push_back(t.line);
  return out;
}

}  // namespace

TEST_CASE("lexer splits on whitespace and keeps lines") {
  auto toks = tokenize("a b\tc\n\n  d {\r\n}\n", "Corefile");
  CHECK(texts(toks) == std::vector<std::string>{"a", "b", "c", "d", "{", "}"});
  CHECK(lines(toks) == std::vector<int>{1, 1, 1, 3, 3, 4});
  CHECK(toks[0].file == "Corefile");
  CHECK_FALSE(toks[0].quoted);
}

TEST_CASE("lexer: empty and blank input give no tokens") {
  CHECK(tokenize("", "f").empty());
  CHECK(tokenize(" \n\t\n", "f").empty());
  CHECK(tokenize("# only a comment", "f").empty());
}

TEST_CASE("lexer: comments run to the end of the line, even mid-word") {
  auto toks = tokenize("a # b c\nd#e f\ng", "f");
  CHECK(texts(toks) == std::vector<std::string>{"a", "d", "g"});
  CHECK(lines(toks) == std::vector<int>{1, 2, 3});
}

TEST_CASE("lexer: quoted strings") {
  SUBCASE("spaces, braces and # are text inside quotes") {
    auto toks = tokenize(R"(x "a b # { }" "{")", "f");
    REQUIRE(toks.size() == 3);
    CHECK(toks[1].text == "a b # { }");
    CHECK(toks[1].quoted);
    CHECK(toks[2].text == "{");
    CHECK_FALSE(is_open_brace(toks[2]));
    CHECK(is_open_brace(Token{"{", "f", 1}));
  }
  SUBCASE("only \\\" is unescaped; other backslashes stay") {
    auto toks = tokenize(R"("say \"hi\"" "a\.b" "c\\")", "f");
    REQUIRE(toks.size() == 3);
    CHECK(toks[0].text == "say \"hi\"");
    CHECK(toks[1].text == "a\\.b");
    CHECK(toks[2].text == "c\\\\");
  }
  SUBCASE("a quoted token spanning lines has its first line, later tokens stay right") {
    auto toks = tokenize("a \"x\ny\nz\" b\nc", "f");
    CHECK(texts(toks) == std::vector<std::string>{"a", "x\ny\nz", "b", "c"});
    CHECK(lines(toks) == std::vector<int>{1, 1, 3, 4});
    CHECK(same_line(toks[1], toks[2]));  // b follows the closing quote on line 3
    CHECK_FALSE(same_line(toks[2], toks[3]));
  }
  SUBCASE("empty quotes make an empty token; a quote mid-word is text") {
    auto toks = tokenize(R"("" a"b "c"d)", "f");
    CHECK(texts(toks) == std::vector<std::string>{"", "a\"b", "c", "d"});
  }
}

TEST_CASE("lexer: an unterminated quote is an error at the line it opened") {
  try {
    tokenize("a\nb\n  \"never closed\nc\nd", "Corefile");
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(e.file() == "Corefile");
    CHECK(e.line() == 3);
    CHECK(e.message() == "Unterminated quoted string");
    CHECK(std::string(e.what()) == "Corefile:3: Unterminated quoted string");
  }
}

TEST_CASE("lexer: a UTF-8 byte order mark is skipped") {
  auto toks = tokenize("\xEF\xBB\xBF. {\n}", "f");
  REQUIRE(toks.size() == 3);
  CHECK(toks[0].text == ".");
}

TEST_CASE("env substitution") {
  setenv("SKYCORE_T_A", "1.1.1.1 8.8.8.8", 1);
  setenv("SKYCORE_T_B", "bee", 1);
  setenv("SKYCORE_T_NL", "x\ny", 1);
  setenv("SKYCORE_T_REC", "{$SKYCORE_T_B}", 1);
  unsetenv("SKYCORE_T_UNSET");

  CHECK(substitute_env("forward . {$SKYCORE_T_A}") == "forward . 1.1.1.1 8.8.8.8");
  CHECK(substitute_env("a{%SKYCORE_T_B%}c") == "abeec");
  CHECK(substitute_env("[{$SKYCORE_T_UNSET}]") == "[]");
  CHECK(substitute_env("v={$SKYCORE_T_NL}") == "v=x y");
  CHECK(substitute_env("{$SKYCORE_T_REC}") == "{$SKYCORE_T_B}");  // values are not rescanned
  SUBCASE("things that are not references stay") {
    CHECK(substitute_env("{$} {%%} {$A B} {1} {$NOEND") == "{$} {%%} {$A B} {1} {$NOEND");
    CHECK(substitute_env("{$SKYCORE_T_B\n}") == "{$SKYCORE_T_B\n}");
  }
}
