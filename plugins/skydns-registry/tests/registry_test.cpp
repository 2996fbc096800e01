#include <doctest/doctest.h>

#include "plugins/skydns-registry/registry.h"

using namespace skycore::plugins::skydns_registry;
using namespace std::chrono_literals;

namespace {
Service svc(const char* uuid, const char* name, const char* env, const char* region,
            const char* host, uint16_t port = 80, uint32_t ttl = 30, const char* version = "1.0.0") {
  Service s;
  s.uuid = uuid;
  s.name = name;
  s.environment = env;
  s.region = region;
  s.host = host;
  s.port = port;
  s.ttl = ttl;
  s.version = version;
  REQUIRE_FALSE(normalise(s));
  return s;
}
}  // namespace

TEST_CASE("normalise lowercases and rejects what cannot be a DNS name") {
  Service s = svc("ABC1", "DB", "Production", "East", "DB1.Example.COM");
  CHECK(s.uuid == "abc1");
  CHECK(s.host == "db1.example.com");
  auto l = labels_of(s);
  CHECK(l.host == "db1-example-com");
  CHECK(l.version == "1-0-0");
  Service bad = s;
  bad.name = "bad name";
  CHECK(normalise(bad).value().find("Name") != std::string::npos);
  bad = s;
  bad.host = "";
  CHECK(normalise(bad) == std::optional<std::string>("missing Host"));
  bad = s;
  bad.port = 0;
  CHECK(normalise(bad).has_value());
  bad = s;
  bad.region = "*";
  CHECK(normalise(bad).has_value());
}

TEST_CASE("PUT creates, refreshes the same body, and refuses a different one") {
  Registry r(std::make_unique<MemoryStore>());
  auto now = WallClock::now();
  CHECK(r.upsert(svc("u1", "db", "prod", "east", "10.0.0.1"), now, false) == Upsert::created);
  CHECK(r.upsert(svc("u1", "db", "prod", "east", "10.0.0.1"), now + 10s, false) == Upsert::refreshed);
  CHECK(r.get("u1", now + 35s).has_value());  // refreshed at +10 s for 30 s
  CHECK(r.upsert(svc("u1", "db", "prod", "west", "10.0.0.1"), now, false) == Upsert::conflict);
  CHECK(r.get("u1", now)->region == "east");
  // POST replaces.
  CHECK(r.upsert(svc("u1", "db", "prod", "west", "10.0.0.1"), now, true) == Upsert::refreshed);
  CHECK(r.get("u1", now)->region == "west");
}

TEST_CASE("expiry hides services at once and purge removes them with a callback") {
  Registry r(std::make_unique<MemoryStore>());
  auto now = WallClock::now();
  r.upsert(svc("u1", "db", "prod", "east", "10.0.0.1", 80, 5), now, false);
  r.upsert(svc("u2", "db", "prod", "east", "10.0.0.2", 80, 0), now, false);  // never expires
  std::vector<std::string> removed;
  r.on_removed([&](const Service& s) { removed.push_back(s.uuid); });
  CHECK(r.query("db.prod", now + 4s).size() == 2);
  CHECK(r.query("db.prod", now + 5s).size() == 1);  // the snapshot filters by time
  auto gone = r.purge_expired(now + 6s);
  REQUIRE(gone.size() == 1);
  CHECK(removed == std::vector<std::string>{"u1"});
  CHECK(r.snapshot()->size() == 1);
  CHECK(r.set_ttl("u2", 10, now));
  CHECK_FALSE(r.set_ttl("nope", 10, now));
  CHECK(r.remove("u2"));
  CHECK_FALSE(r.remove("u2"));
  CHECK(removed.size() == 2);
}

TEST_CASE("name patterns: fewer labels and wildcards mean any") {
  Registry r(std::make_unique<MemoryStore>());
  auto now = WallClock::now();
  r.upsert(svc("a1", "db", "prod", "east", "10.0.0.1"), now, false);
  r.upsert(svc("a2", "db", "prod", "west", "10.0.0.2"), now, false);
  r.upsert(svc("a3", "web", "prod", "east", "10.0.0.3"), now, false);
  r.upsert(svc("a4", "db", "dev", "east", "10.0.0.4", 80, 30, "2.0"), now, false);
  CHECK(r.query("prod", now).size() == 3);
  CHECK(r.query("db.prod", now).size() == 2);
  CHECK(r.query("*.prod", now).size() == 3);
  CHECK(r.query("db.any", now).size() == 3);
  CHECK(r.query("east.*.db.prod", now).size() == 1);
  CHECK(r.query("1-0-0.db.prod", now).size() == 2);
  CHECK(r.query("2-0.db.dev", now).size() == 1);
  CHECK(r.query("a2.10-0-0-2.west.1-0-0.db.prod", now).size() == 1);
  CHECK(r.query("x.a2.10-0-0-2.west.1-0-0.db.prod", now).empty());  // too many labels
  CHECK(r.query("", now).size() == 4);
  CHECK(r.count_by_region(now) == std::map<std::string, size_t>{{"east", 3}, {"west", 1}});
  CHECK(r.count_by_environment(now) == std::map<std::string, size_t>{{"dev", 1}, {"prod", 3}});
}

namespace {
// A store that hands back fixed registrations, as a journal replay would.
struct FixedStore final : Store {
  std::vector<Service> services;
  std::vector<Service> load() override { return services; }
  void append(const Change&) override {}
};
}  // namespace

TEST_CASE("replayed services keep their own uuids") {
  auto now = WallClock::now();
  auto store = std::make_unique<FixedStore>();
  for (const char* id : {"r1", "r2", "r3"}) {
    Service s = svc(id, "db", "prod", "east", "10.0.0.1");
    s.expires = now + 30s;
    store->services.push_back(s);
  }
  Registry r(std::move(store));
  r.load(now);
  CHECK(r.get("r1", now).has_value());
  CHECK(r.get("r2", now).has_value());
  CHECK(r.get("r3", now).has_value());
  CHECK(r.query("db.prod", now).size() == 3);
}

TEST_CASE("a host name with an empty label is refused") {
  Service s;
  s.uuid = "x";
  s.name = "db";
  s.environment = "prod";
  s.region = "east";
  s.version = "1";
  s.port = 80;
  s.host = "a..b";
  CHECK(normalise(s).has_value());
  s.host = "a.b.";
  CHECK_FALSE(normalise(s).has_value());
}
