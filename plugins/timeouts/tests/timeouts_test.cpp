// timeouts' setup: the block settings it fills and its errors.
#include <doctest/doctest.h>

#include "core/plugin/testing.h"

SKYCORE_PLUGIN_SETUP(timeouts)

using namespace skycore;
using namespace std::chrono_literals;

namespace {
testing::SetupRun setup_of(const std::string& body) {
  return testing::SetupRun(". {\n" + body + "\n}\n", "timeouts", &plugins::timeouts::setup);
}
}  // namespace

TEST_CASE("timeouts: read, write and idle into the block's settings") {
  auto run = setup_of(" timeouts {\n  read 2s\n  idle 1m30s\n }");
  CHECK(run.error.empty());
  CHECK(run.settings.tcp_read == 2s);
  CHECK(run.settings.tcp_write == 0s);  // unset: the server's default
  CHECK(run.settings.tcp_idle == 90s);
}

TEST_CASE("timeouts setup errors carry FILE:LINE") {
  CHECK(setup_of(" timeouts {\n  read 500ms\n }").error == "Corefile:3: timeouts: read timeout '500ms' needs to be between 1s and 24h");
  CHECK(setup_of(" timeouts {\n  idle 25h\n }").error == "Corefile:3: timeouts: idle timeout '25h' needs to be between 1s and 24h");
  CHECK(setup_of(" timeouts {\n  slow 5s\n }").error.starts_with("Corefile:3: unknown property 'slow'"));
  CHECK(setup_of(" timeouts").error == "Corefile:2: timeouts: at least one of read, write and idle is needed in a block");
  CHECK(setup_of(" timeouts 5s").error.starts_with("Corefile:2: wrong argument count"));
  CHECK(setup_of(" timeouts {\n  read\n }").error.starts_with("Corefile:3: wrong argument count"));
}
