// The directive table generated from plugins/plugin.cfg.
#include <doctest/doctest.h>

#include "core/plugin/setup.h"

using namespace skycore;

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
  CHECK(pos("cache") < pos("forward"));
  CHECK(find_plugin("nope") == nullptr);
  REQUIRE(find_plugin("prometheus"));
  CHECK((find_plugin("prometheus")->setup == find_plugin("metrics")->setup));  // two names, one folder
}
