#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "plugins/skydns-registry/api_tokens.h"
#include "plugins/skydns-registry/token_file.h"

using namespace skycore::plugins::skydns_registry;

TEST_CASE("api tokens: which secret is whose, and what it may change") {
  ApiAuth none;
  CHECK_FALSE(none.enabled());
  CHECK_FALSE(none.reads_need_token());
  ApiAuth auth({{"ci", "ci-secret-0123456789", {"staging"}, false, true},
                {"ro", "ro-secret-0123456789", {}, true, true},
                {"secret", "old", {}, false, false}},
               false);
  CHECK(auth.reads_need_token());
  REQUIRE(auth.find("ci-secret-0123456789"));
  CHECK(auth.find("ci-secret-0123456789")->name == "ci");
  CHECK(auth.find("Bearer ci-secret-0123456789")->name == "ci");
  CHECK(auth.find("old")->name == "secret");
  CHECK_FALSE(auth.find("Bearer old"));  // SkyDNS's secret is matched as sent
  CHECK_FALSE(auth.find("ci-secret-012345678"));
  CHECK_FALSE(auth.find("ci-secret-01234567890"));
  CHECK_FALSE(auth.find(""));
  const ApiToken& ci = *auth.find("ci-secret-0123456789");
  CHECK(ci.may_change("staging"));
  CHECK(ci.may_change("STAGING"));
  CHECK_FALSE(ci.may_change("production"));
  CHECK_FALSE(ci.may_change(""));
  CHECK_FALSE(auth.find("ro-secret-0123456789")->may_change("staging"));
  CHECK(auth.find("old")->may_change("anything"));
  CHECK(ApiAuth({{"a", "s", {}, false, true}}, true).reads_need_token() == false);
}

TEST_CASE("same_secret compares whole strings") {
  CHECK(same_secret("abc", "abc"));
  CHECK_FALSE(same_secret("abd", "abc"));
  CHECK_FALSE(same_secret("ab", "abc"));
  CHECK_FALSE(same_secret("abcd", "abc"));
  CHECK(same_secret("", ""));
}


namespace {
std::string token_file(const std::string& text) {
  char path[] = "/tmp/skydns-tokens-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);
  std::ofstream(path) << text;
  return path;
}
std::string file_error(const std::string& text) {
  auto path = token_file(text);
  try {
    read_token_file(path);
  } catch (const std::runtime_error& e) {
    std::remove(path.c_str());
    return std::string(e.what()).substr(path.size());
  }
  std::remove(path.c_str());
  return "";
}
}  // namespace

TEST_CASE("tokens FILE: one token per line, the Corefile's rules, FILE:LINE errors") {
  auto path = token_file("# CI tokens\n\nci 0123456789abcdef environments Staging qa\n"
                         "dash 0123456789abcdef0 read-only  # the dashboard\n"
                         "both 0123456789abcdef01 environments prod read-only\n");
  auto t = read_token_file(path);
  std::remove(path.c_str());
  REQUIRE(t.size() == 3);
  CHECK(t[0].name == "ci");
  CHECK(t[0].environments == std::vector<std::string>{"staging", "qa"});
  CHECK_FALSE(t[0].read_only);
  CHECK(t[1].read_only);
  CHECK(t[1].environments.empty());
  CHECK(t[2].environments == std::vector<std::string>{"prod"});
  CHECK(t[2].read_only);
  CHECK(file_error("ci short\n") == ":1: token 'ci': a secret of 16 characters at least");
  CHECK(file_error("\nci 0123456789abcdef\nci 0123456789abcdef\n") == ":3: token 'ci' given twice");
  CHECK(file_error("ci\n") == ":1: a token wants NAME SECRET [read-only] [environments ENV...]");
  CHECK(file_error("ci 0123456789abcdef admin\n") == ":1: word 3 is neither read-only nor environments");
  CHECK(file_error("ci 0123456789abcdef environments\n") == ":1: environments wants at least one environment");
  CHECK_THROWS_AS(read_token_file("/nonexistent/tokens"), std::runtime_error);
}
