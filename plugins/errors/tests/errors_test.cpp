#include <doctest/doctest.h>

#include "core/corefile/parser.h"
#include "core/plugin/setup.h"
#include "core/plugin/testing.h"
#include "plugins/errors/errors.h"

SKYCORE_PLUGIN_SETUP(errors)

using namespace skycore;

TEST_CASE("errors: the log line has CoreDNS's shape") {
  Request req;
  req.query.qname = *wire::Name::from_text("example.org");
  req.query.qtype = wire::rrtype::AAAA;
  auto r = Result::unanswered("whoami", wire::rcode::SERVFAIL, "no next plugin found");
  CHECK(plugins::errors::format_error(req, r) ==
        "[ERROR] plugin/errors: 2 example.org. AAAA: no next plugin found\n");
  req.query.qtype = 65280;
  CHECK(plugins::errors::format_error(req, r) ==
        "[ERROR] plugin/errors: 2 example.org. TYPE65280: no next plugin found\n");
}

TEST_CASE("errors setup: arguments are checked with lines") {
  auto error = [](const char* text) { return testing::SetupRun(text, "errors", &plugins::errors::setup).error; };
  CHECK(error(". {\n errors\n}\n").empty());
  CHECK(error(". {\n errors stdout\n}\n") ==
        "Corefile:2: wrong argument count or unexpected line ending after 'stdout'");
  CHECK(error(". {\n errors {\n  consolidate 5m \".* i/o timeout$\"\n  consolidate 30s ^x warning\n  stacktrace\n }\n}\n").empty());
  CHECK(error(". {\n errors {\n  consolidate 5m \"(unclosed\"\n }\n}\n").starts_with(
      "Corefile:3: errors: consolidate: invalid regular expression '(unclosed'"));
  CHECK(error(". {\n errors {\n  consolidate 5m x loud\n }\n}\n") ==
        "Corefile:3: errors: unknown log level 'loud' (error, warning, info or debug)");
  CHECK(error(". {\n errors {\n  consolidate 0s x\n }\n}\n").starts_with("Corefile:3: errors: consolidate DURATION"));
  CHECK(error(". {\n errors {\n  consolidate 5m\n }\n}\n").starts_with("Corefile:3: wrong argument count"));
  CHECK(error(". {\n errors {\n  stacktrace now\n }\n}\n").starts_with("Corefile:3: wrong argument count"));
}
