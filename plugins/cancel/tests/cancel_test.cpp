// cancel through the plugin test kit: the deadline it gives a query, that
// an earlier (smaller) deadline stays, and setup errors.
#include "plugins/cancel/cancel.h"

#include <doctest/doctest.h>

#include "core/plugin/testing.h"

SKYCORE_PLUGIN_SETUP(cancel)

using namespace skycore;
using namespace skycore::wire;
using skycore::testing::TestQuery;
using namespace std::chrono_literals;

namespace {
testing::SetupRun setup_of(const std::string& body) {
  return testing::SetupRun(". {\n" + body + "\n}\n", "cancel", &plugins::cancel::setup);
}
std::chrono::steady_clock::duration deadline_after(Plugin& p, std::chrono::steady_clock::time_point before) {
  testing::StubNext next(rcode::NOERROR);
  std::chrono::steady_clock::time_point seen{};
  next.write = [&](Request& req) { seen = req.deadline; };
  TestQuery q("example.org.", rrtype::A);
  q.req.received = std::chrono::steady_clock::time_point(std::chrono::seconds(1000));
  q.req.deadline = before;
  testing::run(p, q.req, next);
  return seen - q.req.received;
}
}  // namespace

TEST_CASE("cancel: every query gets its deadline, 5001 ms by default") {
  auto never = std::chrono::steady_clock::time_point::max();
  auto d = setup_of(" cancel");
  REQUIRE(d.plugin);
  CHECK(deadline_after(*d.plugin, never) == std::chrono::milliseconds(5001));
  auto s = setup_of(" cancel 250ms");
  REQUIRE(s.plugin);
  CHECK(deadline_after(*s.plugin, never) == 250ms);
  // An earlier deadline (an outer lookup's) is never pushed back.
  auto earlier = std::chrono::steady_clock::time_point(std::chrono::seconds(1000)) + 100ms;
  CHECK(deadline_after(*s.plugin, earlier) == 100ms);
}

TEST_CASE("cancel setup errors carry FILE:LINE") {
  CHECK(setup_of(" cancel 0s").error == "Corefile:2: cancel: invalid timeout '0s': want a positive duration such as 5s");
  CHECK(setup_of(" cancel soon").error.starts_with("Corefile:2: cancel: invalid timeout 'soon'"));
  CHECK(setup_of(" cancel 1s 2s").error.starts_with("Corefile:2: wrong argument count"));
  CHECK(setup_of(" cancel\n cancel").error == "Corefile:3: plugin 'cancel' can only be used once per server block");
}
