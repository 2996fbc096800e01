#include <doctest/doctest.h>

#include "plugins/skydns-registry/api_tokens.h"

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
