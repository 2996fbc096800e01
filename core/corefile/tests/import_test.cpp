#include <stdlib.h>

#include "core/corefile/token_cursor.h"
#include "test_util.h"

using namespace skycore::corefile;
using namespace skycore::corefile::testing;

namespace {

const std::string kData = SKYCORE_COREFILE_TESTDATA;

Config parse_in_data(std::string_view text) { return parse_string(text, "Corefile", kData); }

}  // namespace

TEST_CASE("snippets: defined at top level, pasted with their original lines") {
  auto cfg = parse(R"((common) {
    errors
    cache 30 {
        success 100
    }
}

example.org {
    import common
    log
}

)");
  REQUIRE(cfg.blocks.size() == 1);  // the snippet is not a server block
  const auto& b = cfg.blocks[0];
  CHECK(zones(b) == std::vector<std::string>{"example.org."});
  CHECK(directive_names(b) == std::vector<std::string>{"errors", "cache", "log"});
  CHECK(b.directives[0].tokens[0].line == 2);
  CHECK(texts(b.directives[1].tokens) ==
        std::vector<std::string>{"cache", "30", "{", "success", "100", "}"});
  CHECK(b.directives[2].tokens[0].line == 10);
}

TEST_CASE("snippets: top-level import of a snippet holding whole blocks") {
  auto cfg =
      parse("(zones) {\n  a.org {\n    whoami\n  }\n  b.org {\n    log\n  }\n}\nimport zones\n");
  REQUIRE(cfg.blocks.size() == 2);
  CHECK(zones(cfg.blocks[0]) == std::vector<std::string>{"a.org."});
  CHECK(cfg.blocks[0].line == 2);
  CHECK(zones(cfg.blocks[1]) == std::vector<std::string>{"b.org."});
}

TEST_CASE("snippets: inside a directive's block, and snippets importing snippets") {
  auto cfg = parse(
      "(props) {\n  max_fails 3\n}\n(both) {\n  import props\n  expire 10s\n}\n"
      ". {\n  forward . 1.1.1.1 {\n    import both\n    policy random\n  }\n}\n");
  const auto& d = cfg.blocks.at(0).directives;
  REQUIRE(d.size() == 1);
  CHECK(texts(d[0].tokens) == std::vector<std::string>{"forward", ".", "1.1.1.1", "{", "max_fails",
                                                       "3", "expire", "10s", "policy", "random",
                                                       "}"});
}

TEST_CASE("snippets: the same snippet twice keeps its lines apart") {
  auto cfg = parse("(s) {\n  forward . 1.1.1.1\n}\n. {\n  import s\n  import s\n}\n");
  auto toks = directive_tokens(cfg.blocks.at(0), "forward");
  REQUIRE(toks.size() == 6);
  CHECK(toks[2].line == toks[3].line);       // same file and line...
  CHECK_FALSE(same_line(toks[2], toks[3]));  // ...but two occurrences
  TokenCursor c(toks);
  int occurrences = 0;
  while (c.next()) {
    ++occurrences;
    CHECK(c.val() == "forward");
    CHECK(c.remaining_args() == std::vector<std::string>{".", "1.1.1.1"});
  }
  CHECK(occurrences == 2);
}

TEST_CASE("snippets: errors") {
  SUBCASE("unknown snippet, at the import's line") {
    auto e = parse_error(". {\n  whoami\n  import nosuch\n}\n");
    CHECK(e.line() == 3);
    CHECK(contains(e.message(), "File to import not found: nosuch"));
    CHECK(contains(e.message(), "no snippet"));
  }
  SUBCASE("used before it is defined") {
    auto e = parse_error(". {\n  import later\n}\n(later) {\n  log\n}\n");
    CHECK(e.line() == 2);
  }
  SUBCASE("importing itself") {
    auto e = parse_error("(loop) {\n  log\n  import loop\n}\n. {\n  import loop\n}\n");
    CHECK(e.line() == 3);
    CHECK(contains(e.message(), "Import cycle"));
  }
  SUBCASE("a cycle through two snippets") {
    auto e = parse_error("(a) {\n  import b\n}\n(b) {\n  import a\n}\n. {\n  import a\n}\n");
    CHECK(e.line() == 5);
    CHECK(contains(e.message(), "Import cycle"));
  }
  SUBCASE("redeclaration") {
    auto e = parse_error("(a) {\n}\n(a) {\n}\n");
    CHECK(e.line() == 3);
    CHECK(contains(e.message(), "redeclaration"));
  }
  SUBCASE("a snippet needs braces and must be closed") {
    CHECK(contains(parse_error("(a)\nlog\n").message(), "expecting '{'"));
    auto e = parse_error("(a) {\n  log\n");
    CHECK(e.line() == 2);
    CHECK(contains(e.message(), "Unexpected EOF"));
  }
  SUBCASE("import argument count") {
    CHECK(contains(parse_error(". {\n  import\n}\n").message(), "Wrong argument count"));
    auto e = parse_error("(a) {\n}\n. {\n  import a b\n}\n");
    CHECK(e.line() == 4);
    CHECK(contains(e.message(), "only one argument"));
    CHECK(contains(parse_error(". {\n import \"\"\n}").message(), "non-empty"));
  }
  SUBCASE("exponential expansion is capped") {
    std::string text = "(s0) {\n  log\n}\n";
    for (int i = 1; i < 30; ++i) {
      text += "(s" + std::to_string(i) + ") {\n  import s" + std::to_string(i - 1) +
              "\n  import s" + std::to_string(i - 1) + "\n}\n";
    }
    text += ". {\n  import s29\n}\n";
    ParseOptions opts;
    opts.max_tokens = 10'000;  // the default (1M) works the same, only slower
    try {
      parse_string(text, "Corefile", ".", opts);
      FAIL("expected an error");
    } catch (const Error& e) {
      CHECK(contains(e.message(), "too large"));
      CHECK(e.line() > 0);
    }
  }
}

TEST_CASE("import: a file inside a block, relative to base_dir") {
  auto cfg = parse_in_data(". {\n  whoami\n  import import/one.conf\n  health\n}\n");
  const auto& d = cfg.blocks.at(0).directives;
  REQUIRE(directive_names(cfg.blocks[0]) ==
          std::vector<std::string>{"whoami", "log", "errors", "health"});
  CHECK(d[1].tokens[0].file == kData + "/import/one.conf");
  CHECK(d[2].tokens[0].line == 2);
  CHECK(texts(d[2].tokens) == std::vector<std::string>{"errors", "stdout"});
  CHECK(d[3].tokens[0].file == "Corefile");
}

TEST_CASE("import: whole server blocks at top level") {
  auto cfg = parse_in_data("import import/blocks.conf\n. {\n  log\n}\n");
  REQUIRE(cfg.blocks.size() == 3);
  CHECK(zones(cfg.blocks[0]) == std::vector<std::string>{"first.org."});
  CHECK(zones(cfg.blocks[1]) == std::vector<std::string>{"second.org.:1053"});
  CHECK(cfg.blocks[1].line == 4);
  CHECK(contains(cfg.blocks[1].file, "blocks.conf"));
  CHECK(zones(cfg.blocks[2]) == std::vector<std::string>{"."});
}

TEST_CASE("import: globs in sorted order; no match is fine with a wildcard") {
  auto cfg = parse_in_data(". {\n  import import/glob/*.conf\n  import import/none-*.conf\n}\n");
  CHECK(directive_names(cfg.blocks.at(0)) == std::vector<std::string>{"cache", "health"});
  CHECK(cfg.blocks[0].directives[1].tokens[0].line == 2);
  CHECK(contains(parse_error(". {\n  import import/glob/*/x\n}\n", kData).message(),
                 "only in the file name"));
}

TEST_CASE("import: nested imports resolve against the importing file's directory") {
  auto cfg = parse_in_data(". {\n  import import/nested/inner.conf\n}\n");
  const auto& d = cfg.blocks.at(0).directives;
  REQUIRE(d.size() == 1);
  CHECK(d[0].tokens[0].line == 3);
  CHECK(texts(d[0].tokens) == std::vector<std::string>{"hosts", "{", "10.0.0.1", "a.example.org",
                                                       "10.0.0.2", "b.example.org", "}"});
  CHECK(contains(d[0].tokens[2].file, "leaf.conf"));
}

TEST_CASE("import: environment variables are substituted in imported files") {
  setenv("SKYCORE_T_IMPORT_ENV", "a.org", 1);
  auto cfg = parse_in_data(". {\n  import import/env.conf\n}\n");
  CHECK(texts(cfg.blocks.at(0).directives.at(0).tokens) ==
        std::vector<std::string>{"rewrite", "name", "a.org", "b.org"});
}

TEST_CASE("import: errors") {
  SUBCASE("file not found, at the import line") {
    auto e = parse_error("\n. {\n  import import/missing.conf\n}\n", kData);
    CHECK(e.line() == 3);
    CHECK(contains(e.message(), "File to import not found: import/missing.conf"));
  }
  SUBCASE("errors inside an imported file report that file and line") {
    auto e = parse_error(". {\n  import import/bad.conf\n  log\n}\n", kData);
    CHECK(contains(e.file(), "bad.conf"));
    CHECK(e.line() == 4);
    CHECK(contains(e.message(), "Unexpected '}': the '{' at Corefile:1"));
  }
  SUBCASE("a cycle through two files") {
    auto e = parse_error(". {\n  import cycle/a.conf\n}\n", kData);
    CHECK(contains(e.message(), "Import cycle"));
    CHECK(contains(e.file(), "b.conf"));
    CHECK(e.line() == 2);
  }
  SUBCASE("a file importing itself") {
    auto e = parse_error(". {\n  import cycle/self.conf\n}\n", kData);
    CHECK(contains(e.message(), "Import cycle"));
    CHECK(contains(e.file(), "self.conf"));
  }
  SUBCASE("importing the same file twice is not a cycle") {
    auto cfg = parse_in_data(". {\n  import cycle/twice.conf\n}\n");
    CHECK(directive_names(cfg.blocks.at(0)) == std::vector<std::string>{"log", "log"});
  }
  SUBCASE("an imported file may not close or leave open the importer's block") {
    auto e = parse_error(". {\n  import import/open.conf\n  }\n}\n", kData);
    CHECK(e.file() == "Corefile");
    CHECK(e.line() == 3);
    CHECK(contains(e.message(), "open.conf:1"));
  }
  SUBCASE("a directory is not a Corefile") {
    CHECK(
        contains(parse_error(". {\n  import import\n}\n", kData).message(), "not a regular file"));
  }
  SUBCASE("file imports can be switched off") {
    ParseOptions opts;
    opts.allow_file_imports = false;
    CHECK_THROWS_AS(parse_string(". {\n  import import/one.conf\n}\n", "Corefile", kData, opts),
                    Error);
  }
}
