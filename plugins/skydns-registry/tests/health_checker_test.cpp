#include <doctest/doctest.h>

#include <asio/ip/tcp.hpp>

#include <string>
#include <thread>

#include "plugins/skydns-registry/health_checker.h"
#include "plugins/skydns-registry/registry.h"

using namespace skycore::plugins::skydns_registry;
using namespace std::chrono_literals;

namespace {

// A port on 127.0.0.1 that nothing listens on: checks there fail at once.
uint16_t closed_port() {
  asio::io_context io;
  asio::ip::tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

Service checked(const std::string& uuid, uint16_t port) {
  Service s;
  s.uuid = uuid;
  s.name = "chk";
  s.environment = "prod";
  s.region = "east";
  s.host = "10.0.0.1";
  s.port = 80;
  s.ttl = 3600;
  s.version = "1";
  REQUIRE_FALSE(normalise(s));
  // A day between runs: after its first, a check's next run is far away.
  std::string checks = R"([{"TCP":"127.0.0.1:)" + std::to_string(port) + R"(","Interval":"24h","Timeout":"1s"}])";
  REQUIRE_FALSE(details_from_json("", "", checks, s.details));
  return s;
}

double critical_results(const HealthChecker& checker) {
  std::vector<prometheus::MetricFamily> out;
  checker.collect(out);
  for (const auto& f : out)
    if (f.name == "skycore_skydns_health_checks_total")
      for (const auto& m : f.metric)
        for (const auto& l : m.label)
          if (l.value == "critical") return m.counter.value;
  return -1;
}

}  // namespace

TEST_CASE("the checker drops the runs of removed checks instead of keeping them for their interval") {
  auto registry = std::make_shared<Registry>(std::make_unique<MemoryStore>());
  HealthChecker checker(registry);
  checker.start();
  const uint16_t port = closed_port();
  const int per_round = 1000, rounds = 4;
  for (int round = 0; round < rounds; ++round) {
    auto now = WallClock::now();
    for (int i = 0; i < per_round; ++i)
      REQUIRE(registry->upsert(checked("r" + std::to_string(round) + "-" + std::to_string(i), port), now, false) ==
              Upsert::created);
    // Each ran once (first runs come within a second), so each has its
    // next run a day away; then all are removed.
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (critical_results(checker) < (round + 1) * per_round && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(10ms);
    REQUIRE(critical_results(checker) >= (round + 1) * per_round);
    for (int i = 0; i < per_round; ++i) registry->remove("r" + std::to_string(round) + "-" + std::to_string(i));
  }
  // 4,000 runs a day away belong to nothing; at most 1,024 stale ones are
  // kept (twice the live checks, none here, plus 1,024).
  auto removed_seen = std::chrono::steady_clock::now() + 5s;  // removals reach the checker by a post
  while (checker.scheduled() > 1024 + 1 && std::chrono::steady_clock::now() < removed_seen)
    std::this_thread::sleep_for(10ms);
  CHECK(checker.scheduled() <= 1024 + 1);
  checker.stop();
}
