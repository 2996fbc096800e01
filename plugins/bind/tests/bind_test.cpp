#include <doctest/doctest.h>

#include "core/plugin/testing.h"

SKYCORE_PLUGIN_SETUP(bind)

using namespace skycore;

TEST_CASE("bind setup: IP addresses, with lines in errors") {
  auto run = [](const char* text) { return testing::SetupRun(text, "bind", &plugins::bind::setup); };
  auto two = run(". {\n bind 127.0.0.1 ::1\n}\n");
  CHECK(two.error.empty());
  CHECK(two.settings.bind_addresses == std::vector<std::string>{"127.0.0.1", "::1"});
  CHECK(run(". {\n\n bind localhost\n}\n").error == "Corefile:3: bind: 'localhost' is not an IP address");
  CHECK(run(". {\n bind\n}\n").error.find("Corefile:2:") == 0);
}
