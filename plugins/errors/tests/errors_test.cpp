#include <doctest/doctest.h>

#include "core/corefile/parser.h"
#include "core/plugin/setup.h"
#include "plugins/errors/errors.h"

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

namespace {
// Runs one directive's setup from Corefile text; returns the error message or "".
std::string setup_error(const char* text, const char* directive) {
  auto cfg = corefile::parse_string(text, "Corefile", ".");
  corefile::TokenCursor c(corefile::directive_tokens(cfg.blocks.at(0), directive));
  BlockSettings settings;
  std::vector<std::function<void()>> up, down;
  SetupContext ctx{c, cfg.blocks[0], settings, up, down, true};
  try {
    find_plugin(directive)->setup(ctx);
  } catch (const corefile::Error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("errors/whoami/bind setup: arguments are checked with lines") {
  CHECK(setup_error(". {\n errors\n}\n", "errors").empty());
  CHECK(setup_error(". {\n errors stdout\n}\n", "errors") ==
        "Corefile:2: wrong argument count or unexpected line ending after 'stdout'");
  CHECK(setup_error(". {\n errors {\n  consolidate 5m \".*\"\n }\n}\n", "errors") ==
        "Corefile:3: errors: 'consolidate' is not supported yet");
  CHECK(setup_error(". {\n whoami\n whoami\n}\n", "whoami") ==
        "Corefile:3: plugin 'whoami' can only be used once per server block");
  CHECK(setup_error(". {\n bind 127.0.0.1 ::1\n}\n", "bind").empty());
  CHECK(setup_error(". {\n\n bind localhost\n}\n", "bind") ==
        "Corefile:3: bind: 'localhost' is not an IP address");
  CHECK(setup_error(". {\n bind\n}\n", "bind").find("Corefile:2:") == 0);
}

TEST_CASE("the directive table follows plugin.cfg order") {
  auto all = compiled_plugins();
  REQUIRE(all.size() >= 3);
  auto pos = [&](std::string_view n) {
    for (size_t i = 0; i < all.size(); ++i)
      if (all[i].name == n) return i;
    return all.size();
  };
  CHECK(pos("errors") < pos("whoami"));
  CHECK(pos("bind") < pos("errors"));
  CHECK(find_plugin("nope") == nullptr);
}
