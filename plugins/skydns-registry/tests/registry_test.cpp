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
  Written write(const Change&) override { return {}; }
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

namespace {
// A shared store as etcd behaves: every write gets the next revision, and
// the test plays the watch by calling the registry's StoreEvents.
struct SharedStore final : Store {
  int64_t revision = 100;
  std::vector<Change> appended;
  StoreEvents* events = nullptr;
  std::vector<Service> load() override { return {}; }
  Written write(const Change& c) override {
    appended.push_back(c);
    return {++revision, "/k/" + c.service.host + "/" + c.service.uuid, 7};
  }
  bool shared() const override { return true; }
  void start_watching(StoreEvents& e) override { events = &e; }
};

std::string host_of(const Registry& r, const char* uuid, WallClock::time_point now) {
  auto s = r.get(uuid, now);
  return s ? s->host : "(none)";
}

Service gone_uuid(const char* uuid) {
  Service s;
  s.uuid = uuid;
  return s;
}

// As the etcd store delivers a put: its TTL counted from now.
Service at_revision(Service s, int64_t revision, std::string key) {
  s.expires = WallClock::now() + std::chrono::seconds(s.ttl);
  s.revision = revision;
  s.key = std::move(key);
  return s;
}
}  // namespace

TEST_CASE("shared store: a late echo of an older write does not undo a newer one") {
  auto now = WallClock::now();
  auto owned = std::make_unique<SharedStore>();
  SharedStore& store = *owned;
  Registry r(std::move(owned));
  r.start_watching();
  REQUIRE(store.events);
  Service s = svc("u1", "db", "prod", "east", "10.0.0.1");
  REQUIRE(r.upsert(s, now, false) == Upsert::created);  // revision 101
  auto stored = r.get("u1", now);
  REQUIRE(stored);
  CHECK(stored->key == "/k/10.0.0.1/u1");
  CHECK(stored->lease == 7);

  // Another server's older put (revision 99) arrives after ours.
  Service older = at_revision(svc("u1", "db", "prod", "east", "10.9.9.9"), 99, "/k/10.9.9.9/u1");
  store.events->apply(Change{Change::put, older});
  CHECK(host_of(r, "u1", now) == "10.0.0.1");

  // A newer one (revision 150) wins.
  Service newer = at_revision(svc("u1", "db", "prod", "east", "10.2.2.2"), 150, "/k/10.2.2.2/u1");
  store.events->apply(Change{Change::put, newer});
  CHECK(host_of(r, "u1", now) == "10.2.2.2");

  // The delete of the old key of a moved registration leaves the new key.
  store.events->apply(Change{Change::remove, at_revision(gone_uuid("u1"), 150, "/k/10.0.0.1/u1")});
  CHECK(r.get("u1", now));
  store.events->apply(Change{Change::remove, at_revision(gone_uuid("u1"), 151, "/k/10.2.2.2/u1")});
  CHECK_FALSE(r.get("u1", now));
}

TEST_CASE("shared store: a removed service stays removed when an older put echoes late") {
  auto now = WallClock::now();
  auto owned = std::make_unique<SharedStore>();
  SharedStore& store = *owned;
  Registry r(std::move(owned));
  r.start_watching();
  REQUIRE(r.upsert(svc("u2", "db", "prod", "east", "10.0.0.2"), now, false) == Upsert::created);  // 101
  REQUIRE(r.remove("u2"));                                                                       // 102
  CHECK(store.appended.back().kind == Change::remove);
  CHECK(store.appended.back().service.key == "/k/10.0.0.2/u2");  // the key the put was written to
  store.events->apply(Change{Change::put, at_revision(svc("u2", "db", "prod", "east", "10.0.0.2"), 101,
                                                      "/k/10.0.0.2/u2")});
  CHECK_FALSE(r.get("u2", now));
}

TEST_CASE("shared store: a re-list drops what vanished, keeps newer local writes, and never deletes on expiry") {
  auto now = WallClock::now();
  auto owned = std::make_unique<SharedStore>();
  SharedStore& store = *owned;
  Registry r(std::move(owned));
  r.start_watching();
  std::vector<std::string> removed;
  r.on_removed([&](const Service& s) { removed.push_back(s.uuid); });
  Service a = svc("a", "db", "prod", "east", "10.0.0.1");
  a.ttl = 1;
  REQUIRE(r.upsert(a, now, false) == Upsert::created);                                    // 101
  REQUIRE(r.upsert(svc("b", "db", "prod", "east", "10.0.0.2"), now, false) == Upsert::created);  // 102
  REQUIRE(r.upsert(svc("c", "db", "prod", "east", "10.0.0.3"), now, false) == Upsert::created);  // 103

  // Listed at revision 102: "a" is there, "b" vanished while we were away,
  // "c" was written by us after the listing.
  store.events->replace_all({at_revision(a, 101, "/k/10.0.0.1/a")}, {}, 102);
  CHECK(r.get("a", now));
  CHECK_FALSE(r.get("b", now));
  CHECK(r.get("c", now));
  CHECK(removed == std::vector<std::string>{"b"});

  // Expiry hides "a" and fires its callback but writes nothing: etcd's lease does that.
  size_t writes = store.appended.size();
  auto later = now + std::chrono::seconds(2);
  CHECK(r.purge_expired(later).size() == 1);
  CHECK(store.appended.size() == writes);
  CHECK(removed.back() == "a");
}
