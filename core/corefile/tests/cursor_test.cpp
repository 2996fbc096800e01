#include "core/corefile/token_cursor.h"
#include "test_util.h"

using namespace skycore::corefile;
using namespace skycore::corefile::testing;

namespace {

TokenCursor cursor_for(std::string_view corefile, std::string_view directive) {
  return TokenCursor(directive_tokens(parse(corefile).blocks.at(0), directive));
}

}  // namespace

TEST_CASE("cursor: next walks every token; val is empty outside") {
  TokenCursor c = cursor_for(". {\n  log a b\n}\n", "log");
  CHECK(c.val().empty());
  REQUIRE(c.next());
  CHECK(c.val() == "log");
  CHECK(c.line() == 2);
  CHECK(c.file() == "Corefile");
  REQUIRE(c.next());
  CHECK(c.val() == "a");
  REQUIRE(c.next());
  CHECK(c.val() == "b");
  CHECK_FALSE(c.next());
  CHECK(c.val() == "b");  // a failed next() does not move
}

TEST_CASE("cursor: args, sub-block properties and several occurrences") {
  TokenCursor c = cursor_for(R"(. {
  forward . 1.1.1.1 8.8.8.8 {
    max_fails 3
    policy random
    health_check
  }
  whoami
  forward example.org 9.9.9.9
}
)",
                             "forward");
  // First occurrence.
  REQUIRE(c.next());
  CHECK(c.val() == "forward");
  CHECK(c.remaining_args() == std::vector<std::string>{".", "1.1.1.1", "8.8.8.8"});
  CHECK(c.val() == "8.8.8.8");  // remaining_args stops before the '{'

  std::vector<std::pair<std::string, std::vector<std::string>>> props;
  while (c.next_block()) {
    CHECK(c.nesting() == 1);
    std::string key = c.val();
    props.emplace_back(key, c.remaining_args());
  }
  CHECK(c.nesting() == 0);
  CHECK(c.val() == "}");
  CHECK(c.line() == 6);
  REQUIRE(props.size() == 3);
  CHECK(props[0] == std::make_pair(std::string("max_fails"), std::vector<std::string>{"3"}));
  CHECK(props[1].second == std::vector<std::string>{"random"});
  CHECK(props[2].second.empty());

  // Second occurrence: a new line, so no more args on this one.
  CHECK_FALSE(c.next_arg());
  REQUIRE(c.next());
  CHECK(c.val() == "forward");
  CHECK(c.line() == 8);
  CHECK(c.remaining_args() == std::vector<std::string>{"example.org", "9.9.9.9"});
  CHECK_FALSE(c.next_block());  // no block here
  CHECK(c.val() == "9.9.9.9");
  CHECK_FALSE(c.next());
}

TEST_CASE("cursor: next_arg does not step onto a brace or the next line") {
  TokenCursor c = cursor_for(". {\n  cache 30 {\n    success 5 }\n  cache\n}\n", "cache");
  REQUIRE(c.next_arg());  // at the start next_arg moves onto the name, like Caddy
  CHECK(c.val() == "cache");
  REQUIRE(c.next_arg());
  CHECK(c.val() == "30");
  CHECK_FALSE(c.next_arg());  // '{'
  CHECK(c.val() == "30");
  REQUIRE(c.next_block());
  CHECK(c.val() == "success");
  REQUIRE(c.next_arg());
  CHECK(c.val() == "5");
  CHECK_FALSE(c.next_arg());  // '}' on the same line is not an argument
  CHECK_FALSE(c.next_block());
  CHECK(c.val() == "}");
  CHECK_FALSE(c.next_arg());
  REQUIRE(c.next_line());
  CHECK(c.val() == "cache");
  CHECK(c.line() == 4);
}

TEST_CASE("cursor: next_line skips to the next line only") {
  TokenCursor c = cursor_for(". {\n  hosts a b\n  hosts c\n}\n", "hosts");
  REQUIRE(c.next_line());  // onto the first token
  CHECK(c.val() == "hosts");
  CHECK_FALSE(c.next_line());  // "a" is on the same line
  REQUIRE(c.next());
  REQUIRE(c.next());
  REQUIRE(c.next_line());
  CHECK(c.line() == 3);
  CHECK_FALSE(c.next_line());
}

TEST_CASE("cursor: empty block and the block brace on another line") {
  TokenCursor c = cursor_for(". {\n  log {\n  }\n}\n", "log");
  REQUIRE(c.next());
  CHECK_FALSE(c.next_block());
  CHECK(c.val() == "}");
  CHECK(c.nesting() == 0);
  CHECK_FALSE(c.next());

  // Hand-made tokens: '{' on the next line does not open the directive's block.
  TokenCursor h({Token{"log", "f", 1}, Token{"{", "f", 2}, Token{"}", "f", 3}});
  REQUIRE(h.next());
  CHECK_FALSE(h.next_block());
  CHECK(h.val() == "log");
}

TEST_CASE("cursor: nested blocks, flat and by nesting level") {
  const char* corefile = ". {\n  view v {\n    expr {\n      a 1\n    }\n    b 2\n  }\n}\n";
  SUBCASE("a flat loop sees inner braces as tokens and ends at the matching '}'") {
    TokenCursor c = cursor_for(corefile, "view");
    REQUIRE(c.next());
    CHECK(c.remaining_args() == std::vector<std::string>{"v"});
    std::vector<std::string> seen;
    while (c.next_block()) seen.push_back(c.val());
    CHECK(seen == std::vector<std::string>{"expr", "{", "a", "1", "}", "b", "2"});
    CHECK(c.line() == 7);
  }
  SUBCASE("a nested loop reads the inner block on its own") {
    TokenCursor c = cursor_for(corefile, "view");
    REQUIRE(c.next());
    c.remaining_args();
    std::vector<std::string> outer, inner;
    while (c.next_block()) {
      outer.push_back(c.val());
      if (c.val() == "expr") {
        for (int n = c.nesting(); c.next_block(n);) inner.push_back(c.val());
        CHECK(c.line() == 5);
      } else {
        c.remaining_args();
      }
    }
    CHECK(outer == std::vector<std::string>{"expr", "b"});
    CHECK(inner == std::vector<std::string>{"a", "1"});
  }
}

TEST_CASE("cursor: errors point at the current token") {
  TokenCursor c =
      cursor_for(". {\n  whoami\n  cache 30 {\n    bogus x\n    denial\n  }\n}\n", "cache");
  CHECK(c.err("before start").line() == 3);  // nearest token
  REQUIRE(c.next());
  REQUIRE(c.next_arg());
  auto e = c.err("too big");
  CHECK(e.line() == 3);
  CHECK(e.file() == "Corefile");
  CHECK(std::string(e.what()) == "Corefile:3: too big");
  REQUIRE(c.next_block());
  auto u = c.unknown_property();
  CHECK(u.line() == 4);
  CHECK(u.message() == "unknown property 'bogus'");
  REQUIRE(c.next_arg());
  REQUIRE(c.next_block());
  CHECK_FALSE(c.next_arg());
  auto a = c.arg_err();
  CHECK(a.line() == 5);
  CHECK(a.message() == "wrong argument count or unexpected line ending after 'denial'");
  CHECK_FALSE(c.next_block());

  TokenCursor b({Token{"tls", "f", 9}, Token{"{", "f", 9}, Token{"}", "f", 9}});
  REQUIRE(b.next());
  REQUIRE(b.next());
  CHECK(b.arg_err().message() == "unexpected token '{', expecting argument");

  TokenCursor empty({});
  CHECK_FALSE(empty.next());
  CHECK_FALSE(empty.next_arg());
  CHECK_FALSE(empty.next_block());
  CHECK(empty.err("x").line() == 0);
}

TEST_CASE("cursor: a multi-line quoted argument ends on a later line") {
  TokenCursor c = cursor_for(". {\n  tmpl \"a\nb\" c\n  tmpl\n}\n", "tmpl");
  REQUIRE(c.next());
  REQUIRE(c.next_arg());
  CHECK(c.val() == "a\nb");
  REQUIRE(c.next_arg());  // "c" is on line 3, where the quoted token ends
  CHECK(c.val() == "c");
  CHECK_FALSE(c.next_arg());
}
