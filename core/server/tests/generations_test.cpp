// SharedServices across reloads: what a configuration registers stays
// invisible until it is committed, what it keeps survives as long as a
// configuration claims it, and a failed reload leaves no trace.
#include <doctest/doctest.h>

#include "core/plugin/setup.h"

using namespace skycore;

namespace {
struct Thing {
  int id;
};
}  // namespace

TEST_CASE("kept objects live while a configuration claims them") {
  SharedServices s;  // generation 0: the first configuration
  int made = 0;
  auto a = s.keep<Thing>("a", [&] { return std::make_shared<Thing>(Thing{++made}); });
  auto b = s.keep<Thing>("b", [&] { return std::make_shared<Thing>(Thing{++made}); });
  std::weak_ptr<Thing> weak_b = b;
  b.reset();

  s.begin_generation();  // a reload that keeps "a" and drops "b"
  auto a2 = s.keep<Thing>("a", [&] { return std::make_shared<Thing>(Thing{++made}); });
  CHECK(a2 == a);
  CHECK(made == 2);
  CHECK(s.find_kept<Thing>("b"));  // still there until the switch
  s.commit_generation();
  CHECK_FALSE(s.find_kept<Thing>("b"));
  CHECK(weak_b.expired());
  CHECK(s.find_kept<Thing>("a") == a);
}

TEST_CASE("a failed reload releases what it made and keeps the rest") {
  SharedServices s;
  auto a = s.keep<Thing>("a", [] { return std::make_shared<Thing>(Thing{1}); });
  s.begin_generation();
  s.keep<Thing>("a", [] { return std::make_shared<Thing>(Thing{2}); });
  std::weak_ptr<Thing> fresh = s.keep<Thing>("new", [] { return std::make_shared<Thing>(Thing{3}); });
  CHECK_THROWS(s.keep<Thing>("boom", []() -> std::shared_ptr<Thing> { throw std::runtime_error("x"); }));
  CHECK_FALSE(s.find_kept<Thing>("boom"));
  s.abandon_generation();
  CHECK(fresh.expired());
  CHECK(s.find_kept<Thing>("a") == a);
  // The next reload starts from the running configuration's claims.
  s.begin_generation();
  s.commit_generation();
  CHECK_FALSE(s.find_kept<Thing>("a"));  // nobody claimed it this time
}

TEST_CASE("readiness and metrics of a configuration being built stay invisible until it takes over") {
  SharedServices s;
  bool old_ready = true, new_ready = false;
  s.add_readiness("old", [&] { return old_ready; });
  s.metrics.add([](std::vector<prometheus::MetricFamily>& out) { out.push_back(gauge_family("old_family", "")); });
  s.metrics.add_persistent([](std::vector<prometheus::MetricFamily>& out) { out.push_back(gauge_family("always", "")); });
  auto names = [&] {
    std::vector<std::string> n;
    for (const auto& f : s.metrics.collect()) n.push_back(f.name);
    std::sort(n.begin(), n.end());
    return n;
  };

  s.begin_generation();
  s.add_readiness("new", [&] { return new_ready; });
  s.metrics.add([](std::vector<prometheus::MetricFamily>& out) { out.push_back(gauge_family("new_family", "")); });
  CHECK(s.not_ready(s.active()).empty());                                  // what /ready reports
  CHECK(s.not_ready(s.building()) == std::vector<std::string>{"new"});     // what a reload waits for
  CHECK(names() == std::vector<std::string>{"always", "old_family"});

  s.commit_generation();
  CHECK(s.not_ready(s.active()) == std::vector<std::string>{"new"});
  CHECK(names() == std::vector<std::string>{"always", "new_family"});
  new_ready = true;
  CHECK(s.not_ready(s.active()).empty());
}
