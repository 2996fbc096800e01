#include "core/plugin/metrics.h"

#include <doctest/doctest.h>

using namespace skycore;

TEST_CASE("the hub merges families by name and adds up repeated series") {
  MetricsHub hub;
  for (double v : {2.0, 3.0}) {
    hub.add([v](std::vector<prometheus::MetricFamily>& out) {
      auto f = counter_family("x_total", "help");
      add_value(f, {{"to", "a"}}, v);
      out.push_back(f);
      auto h = histogram_family("x_seconds", "help");
      add_histogram(h, {{"to", "a"}}, {0.1, 1}, {1, 2, 3}, v);
      out.push_back(h);
    });
  }
  hub.add([](std::vector<prometheus::MetricFamily>& out) {
    auto f = counter_family("x_total", "help");
    add_value(f, {{"to", "b"}}, 7);
    out.push_back(f);
  });
  auto fams = hub.collect();
  REQUIRE(fams.size() == 2);
  REQUIRE(fams[0].name == "x_total");
  REQUIRE(fams[0].metric.size() == 2);
  CHECK(fams[0].metric[0].counter.value == 5.0);
  CHECK(fams[0].metric[1].counter.value == 7.0);
  const auto& h = fams[1].metric.at(0).histogram;
  CHECK(h.sample_count == 12);
  CHECK(h.sample_sum == 5.0);
  REQUIRE(h.bucket.size() == 3);
  CHECK(h.bucket[0].cumulative_count == 2);
  CHECK(h.bucket[1].cumulative_count == 6);
  CHECK(h.bucket[2].cumulative_count == 12);
}

