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

TEST_CASE("counters of a replaced configuration keep counting into the next one; its gauges go") {
  SharedServices s;
  double old_count = 5;
  s.metrics.add([&](std::vector<prometheus::MetricFamily>& out) {
    auto c = counter_family("requests_total", "");
    add_value(c, {{"zone", "a."}}, old_count);
    add_value(c, {{"zone", "gone."}}, 2);
    out.push_back(std::move(c));
    auto h = histogram_family("duration_seconds", "");
    add_histogram(h, {}, {0.1}, {1, 1}, 0.5);
    out.push_back(std::move(h));
    auto g = gauge_family("entries", "");
    add_value(g, {}, 42);
    out.push_back(std::move(g));
  });
  auto value = [&](const std::string& name, const std::string& zone) -> double {
    for (const auto& f : s.metrics.collect())
      if (f.name == name)
        for (const auto& m : f.metric)
          if (zone.empty() || (!m.label.empty() && m.label[0].value == zone))
            return f.type == prometheus::MetricType::Histogram ? double(m.histogram.sample_count)
                   : f.type == prometheus::MetricType::Gauge ? m.gauge.value : m.counter.value;
    return -1;
  };
  s.begin_generation();
  s.metrics.add([](std::vector<prometheus::MetricFamily>& out) {
    auto c = counter_family("requests_total", "");
    add_value(c, {{"zone", "a."}}, 1);
    out.push_back(std::move(c));
    auto g = gauge_family("entries", "");
    add_value(g, {}, 7);
    out.push_back(std::move(g));
  });
  CHECK(value("requests_total", "a.") == 5);  // the new one is not visible yet
  s.commit_generation();
  old_count = 6;                              // the old server drains: still counted
  CHECK(value("requests_total", "a.") == 7);
  CHECK(value("entries", "") == 7);           // gauges: the active configuration's only
  s.metrics.carry_retired();
  old_count = 100;                            // no longer asked
  CHECK(value("requests_total", "a.") == 7);
  CHECK(value("requests_total", "gone.") == 2);  // a series no longer configured keeps its count
  CHECK(value("duration_seconds", "") == 2);
  CHECK(value("entries", "") == 7);
  // A failed reload's collectors are dropped without being carried.
  s.begin_generation();
  s.metrics.add([](std::vector<prometheus::MetricFamily>& out) {
    auto c = counter_family("requests_total", "");
    add_value(c, {{"zone", "a."}}, 1000);
    out.push_back(std::move(c));
  });
  s.abandon_generation();
  s.metrics.carry_retired();
  CHECK(value("requests_total", "a.") == 7);
}
