#include "core/server/server_plan.h"

#include <doctest/doctest.h>

#include "core/server/tests/test_support.h"

using namespace skycore;

namespace {
std::string plan_error(const char* corefile) {
  try {
    test::plan_from(corefile);
  } catch (const corefile::Error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("server plan: one zone and port in several blocks, told apart by bind") {
  auto plan = test::plan_from(".:53 {\n bind 127.0.0.1\n whoami\n}\n.:53 {\n bind 127.0.0.2\n whoami\n}\n");
  REQUIRE(plan.listeners.size() == 2);
  CHECK(plan.listeners[0].address == "127.0.0.1");
  CHECK(plan.listeners[1].address == "127.0.0.2");

  CHECK(plan_error("a.org:53 {\n whoami\n}\nA.org.:53 {\n whoami\n}\n") ==
        "Corefile:4: zone 'a.org.:53' is served twice: on every interface here and on every interface by the "
        "block at Corefile:1 (blocks for the same zone and port need `bind` addresses that do not overlap)");
  CHECK(plan_error(".:53 {\n bind 127.0.0.1\n whoami\n}\n.:53 {\n whoami\n}\n").find(
            "on every interface here and on 127.0.0.1 by the block at Corefile:1") != std::string::npos);
  CHECK(plan_error(".:53 {\n bind 127.0.0.1 127.0.0.2\n whoami\n}\n.:53 {\n bind 127.0.0.2\n whoami\n}\n")
            .starts_with("Corefile:5: zone '.:53' is served twice: on 127.0.0.2"));
  CHECK(plan_error("10.0.0.0/15 {\n whoami\n}\n1.10.in-addr.arpa {\n whoami\n}\n").find("served twice") !=
        std::string::npos);
  // Different ports never overlap.
  CHECK(plan_error("a.org:53 {\n whoami\n}\na.org:54 {\n whoami\n}\n").empty());
}
