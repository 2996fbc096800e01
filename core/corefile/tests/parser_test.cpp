#include <stdlib.h>

#include "test_util.h"

using namespace skycore::corefile;
using namespace skycore::corefile::testing;

TEST_CASE("parser: server blocks with directives, arguments and sub-blocks") {
  auto cfg = parse(R"(# leading comment
example.org:1053 {
    whoami
    forward . 1.1.1.1 8.8.8.8 {
        max_fails 3
        policy random
    }
    log
}

.:53 {
    errors
}
)");
  REQUIRE(cfg.blocks.size() == 2);
  const auto& b = cfg.blocks[0];
  CHECK(b.file == "Corefile");
  CHECK(b.line == 2);
  CHECK(zones(b) == std::vector<std::string>{"example.org.:1053"});
  CHECK(directive_names(b) == std::vector<std::string>{"whoami", "forward", "log"});
  CHECK(texts(b.directives[1].tokens) == std::vector<std::string>{"forward", ".", "1.1.1.1",
                                                                  "8.8.8.8", "{", "max_fails", "3",
                                                                  "policy", "random", "}"});
  CHECK(b.directives[1].tokens[5].line == 5);
  CHECK(b.directives[1].tokens[9].line == 7);
  CHECK(b.directives[2].tokens.size() == 1);
  CHECK(cfg.blocks[1].line == 11);
  CHECK(zones(cfg.blocks[1]) == std::vector<std::string>{".:53"});
}

TEST_CASE("parser: several keys per block, spaces, commas and line continuation") {
  auto cfg = parse("a.org b.org:53, c.org, d.org,\n  dns://e.org,\n  10.0.0.0/15 {\n whoami\n}\n");
  REQUIRE(cfg.blocks.size() == 1);
  const auto& b = cfg.blocks[0];
  CHECK(texts(b.key_tokens) == std::vector<std::string>{"a.org", "b.org:53", "c.org", "d.org",
                                                        "dns://e.org", "10.0.0.0/15"});
  CHECK(zones(b) == std::vector<std::string>{"a.org.", "b.org.:53", "c.org.", "d.org.", "e.org.",
                                             "0.10.in-addr.arpa.", "1.10.in-addr.arpa."});
  REQUIRE(b.key_tokens.size() == 6);
  CHECK(b.key_tokens[5].line == 3);
}

TEST_CASE("parser: as in Caddy, only a trailing comma separates keys") {
  CHECK_THROWS_WITH(parse("c.org,d.org {\n whoami\n}\n"), "Corefile:1: zone is not a valid domain name: 'c.org,d.org'");
  CHECK_THROWS_WITH(parse(",. {\n whoami\n}\n"), "Corefile:1: zone is not a valid domain name: ',.'");
}

TEST_CASE("parser: the opening brace may be on the line after the keys") {
  auto cfg = parse("example.org\n{\n  whoami\n}\n");
  REQUIRE(cfg.blocks.size() == 1);
  CHECK(directive_names(cfg.blocks[0]) == std::vector<std::string>{"whoami"});
}

TEST_CASE("parser: a file without braces is a single block") {
  auto cfg = parse("example.org:1053\nwhoami\nforward . 1.1.1.1 {\n  max_fails 2\n}\nlog\n");
  REQUIRE(cfg.blocks.size() == 1);
  CHECK(zones(cfg.blocks[0]) == std::vector<std::string>{"example.org.:1053"});
  CHECK(directive_names(cfg.blocks[0]) == std::vector<std::string>{"whoami", "forward", "log"});

  auto keys_only = parse("example.org");
  REQUIRE(keys_only.blocks.size() == 1);
  CHECK(keys_only.blocks[0].directives.empty());
}

TEST_CASE("parser: one-line blocks and empty input") {
  auto cfg = parse(". { whoami }\nexample.org { log\n}");
  REQUIRE(cfg.blocks.size() == 2);
  CHECK(directive_names(cfg.blocks[0]) == std::vector<std::string>{"whoami"});
  CHECK(cfg.blocks[0].directives[0].tokens.size() == 1);
  CHECK(directive_names(cfg.blocks[1]) == std::vector<std::string>{"log"});
  CHECK(parse("").blocks.empty());
  CHECK(parse("# nothing\n\n").blocks.empty());
  CHECK(parse(". {\n}").blocks[0].directives.empty());
}

TEST_CASE("parser: nested blocks inside a directive keep braces balanced") {
  auto cfg = parse(". {\n  view a {\n    expr {\n      x\n    }\n  }\n  log\n}\n");
  REQUIRE(cfg.blocks[0].directives.size() == 2);
  CHECK(texts(cfg.blocks[0].directives[0].tokens) ==
        std::vector<std::string>{"view", "a", "{", "expr", "{", "x", "}", "}"});
}

TEST_CASE("parser: quoted braces are text, not structure") {
  auto cfg = parse(". {\n  template \"{\" \"}\"\n}\n");
  REQUIRE(cfg.blocks[0].directives.size() == 1);
  CHECK(texts(cfg.blocks[0].directives[0].tokens) ==
        std::vector<std::string>{"template", "{", "}"});
}

TEST_CASE("parser: environment variables expand to tokens, lines stay right") {
  setenv("SKYCORE_T_UPSTREAMS", "1.1.1.1 9.9.9.9", 1);
  setenv("SKYCORE_T_ZONE", "Env.Example", 1);
  unsetenv("SKYCORE_T_NOPE");
  unsetenv("SKYCORE_T_PORT_UNSET");
  auto cfg = parse(
      "{$SKYCORE_T_ZONE}:{%SKYCORE_T_PORT_UNSET%}53 {\n"
      "  forward . {$SKYCORE_T_UPSTREAMS}\n"
      "  log {$SKYCORE_T_NOPE}\n"
      "  whoami\n}\n");
  const auto& b = cfg.blocks.at(0);
  CHECK(zones(b) == std::vector<std::string>{"env.example.:53"});
  CHECK(texts(b.directives[0].tokens) ==
        std::vector<std::string>{"forward", ".", "1.1.1.1", "9.9.9.9"});
  CHECK(b.directives[1].tokens.size() == 1);
  CHECK(b.directives[2].tokens[0].line == 4);
}

TEST_CASE("parser: errors carry the right line") {
  SUBCASE("unexpected closing brace on line 7") {
    auto e = parse_error(". {\n  whoami\n}\n\nexample.org {\n  log\n}\n}\n");
    CHECK(e.line() == 8);
    CHECK(contains(e.message(), "Unexpected '}'"));
    auto e7 = parse_error("a\nb\nc\nd\ne\nf\n}\n");
    CHECK(e7.line() == 7);
  }
  SUBCASE("missing closing brace: EOF at the last token") {
    auto e = parse_error(". {\n  whoami\n  log\n");
    CHECK(e.line() == 3);
    CHECK(contains(e.message(), "Unexpected EOF"));
    CHECK(contains(e.message(), "Corefile:1"));
  }
  SUBCASE("unclosed directive block") {
    auto e = parse_error(". {\n  forward . 1.1.1.1 {\n    max_fails 3\n");
    CHECK(e.line() == 3);
    CHECK(contains(e.message(), "Unexpected EOF"));
    CHECK(contains(e.message(), "'forward' opened at Corefile:2"));
  }
  SUBCASE("block without keys") {
    auto e = parse_error("\n\n{\n  whoami\n}\n");
    CHECK(e.line() == 3);
    CHECK(contains(e.message(), "no keys"));
  }
  SUBCASE("extra comma before the brace") {
    auto e = parse_error("a.org, {\n}\n");
    CHECK(e.line() == 1);
    CHECK(contains(e.message(), "extra comma"));
  }
  SUBCASE("trailing comma at EOF") {
    auto e = parse_error("a.org,\n");
    CHECK(e.line() == 1);
    CHECK(contains(e.message(), "Unexpected EOF"));
  }
  SUBCASE("a block brace on its own line inside a block") {
    auto e = parse_error(". {\n  forward . 1.1.1.1\n  {\n  }\n}\n");
    CHECK(e.line() == 3);
    CHECK(contains(e.message(), "Unexpected '{'"));
  }
  SUBCASE("bad zone key on line 6") {
    auto e = parse_error(". {\n}\n\n\n\ngrpc://example.org {\n}\n");
    CHECK(e.line() == 6);
    CHECK(contains(e.message(), "unsupported transport"));
    auto p = parse_error(". {\n}\nexample.org:99999 {\n}\n");
    CHECK(p.line() == 3);
    CHECK(contains(p.message(), "invalid port"));
  }
  SUBCASE("unterminated quote") {
    auto e = parse_error(". {\n  log \"oops\n}\n");
    CHECK(e.line() == 2);
    CHECK(e.message() == "Unterminated quoted string");
  }
  SUBCASE("what() is file:line: message") {
    auto e = parse_error(". {\n}\n}\n");
    CHECK(std::string(e.what()) == "Corefile:3: Unexpected '}' because no matching opening brace");
  }
}

// Across blocks the same zone and port is the server plan's to judge (only
// `bind` tells such blocks apart); within one block it is an error here.
TEST_CASE("parser: duplicate zones in one block") {
  auto e = parse_error("example.org:53 EXAMPLE.org.:53 {\n}\n");
  CHECK(e.line() == 1);
  CHECK(contains(e.message(), "duplicate zone 'example.org.:53'"));
  CHECK(parse_error("a.org a.org {\n}").line() == 1);
  auto c = parse_error("10.0.0.0/15 1.10.in-addr.arpa {\n}\n");
  CHECK(contains(c.message(), "duplicate zone '1.10.in-addr.arpa.'"));

  SUBCASE("in two blocks they parse") {
    auto cfg = parse("example.org:53 {\n}\nEXAMPLE.org.:53 {\n}\n");
    CHECK(cfg.blocks.size() == 2);
  }
  SUBCASE("different ports, or a port vs none, are distinct as written") {
    auto cfg = parse("example.org:53 {\n}\nexample.org:1053 {\n}\nexample.org {\n}\n");
    CHECK(cfg.blocks.size() == 3);
  }
}

TEST_CASE("directive_tokens concatenates all occurrences in order") {
  auto cfg = parse(". {\n  log a\n  whoami\n  log b {\n    x\n  }\n}\n");
  const auto& b = cfg.blocks.at(0);
  CHECK(texts(directive_tokens(b, "log")) ==
        std::vector<std::string>{"log", "a", "log", "b", "{", "x", "}"});
  CHECK(directive_tokens(b, "cache").empty());
  CHECK(has_directive(b, "whoami"));
  CHECK_FALSE(has_directive(b, "cache"));
}

TEST_CASE("parse_file reads a file and reports its name") {
  auto cfg = parse_file(std::string(SKYCORE_COREFILE_TESTDATA) + "/main.Corefile");
  REQUIRE(cfg.blocks.size() == 2);
  CHECK(zones(cfg.blocks[0]) == std::vector<std::string>{"example.org.:1053"});
  CHECK(contains(cfg.blocks[0].file, "main.Corefile"));
  // The snippet pasted here comes from an imported file, with its own lines.
  const auto& d = cfg.blocks[0].directives;
  REQUIRE(d.size() == 3);
  CHECK(d[0].name == "whoami");
  CHECK(d[1].name == "errors");
  CHECK(contains(d[1].tokens[0].file, "snippets.conf"));
  CHECK(d[1].tokens[0].line == 2);
  CHECK(d[2].name == "log");

  try {
    parse_file(std::string(SKYCORE_COREFILE_TESTDATA) + "/does-not-exist");
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(contains(e.message(), "Could not read"));
  }
}

TEST_CASE("parser: keys end at the end of their line without a trailing comma") {
  auto cfg = parse("a.org b.org\nwhoami\n");
  REQUIRE(cfg.blocks.size() == 1);
  CHECK(zones(cfg.blocks[0]) == std::vector<std::string>{"a.org.", "b.org."});
  CHECK(directive_names(cfg.blocks[0]) == std::vector<std::string>{"whoami"});
}
