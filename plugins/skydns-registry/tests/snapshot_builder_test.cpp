// The builder publishes in pieces: whatever sequence of changes it is
// given, its snapshot answers exactly as one built from scratch, and a
// change replaces only the pieces it touched.
#include <doctest/doctest.h>

#include <map>
#include <random>

#include "plugins/skydns-registry/snapshot_builder.h"

using namespace skycore::plugins::skydns_registry;

namespace {
EntryPtr entry(int uuid, int name, int host) {
  Service s;
  s.uuid = "u" + std::to_string(uuid);
  s.name = "svc" + std::to_string(name);
  s.environment = name % 3 ? "prod" : "dev";
  s.region = "east";
  s.version = "1";
  s.host = "10.0." + std::to_string(host / 256) + "." + std::to_string(host % 256);
  s.port = 80;
  REQUIRE_FALSE(normalise(s));
  return make_entry(std::move(s));
}

// Everything a snapshot answers: per group pattern, the uuids in order.
std::vector<std::string> answers(const Snapshot& snap, const std::vector<std::string>& uuids, int names) {
  std::vector<std::string> out;
  auto now = WallClock::now();
  for (int n = 0; n < names; ++n)
    for (const char* env : {"prod", "dev"}) {
      Pattern p;
      std::string name = "svc" + std::to_string(n);
      std::string_view labels[] = {name, env};
      REQUIRE(make_pattern(labels, p));
      out.push_back(name + "." + env + ":");
      snap.for_each_match(p, false, now, [&](const Entry& e) { out.back() += " " + std::string(e.service.uuid()); });
    }
  for (const auto& u : uuids) {
    const Entry* e = snap.by_uuid(u);
    out.push_back(u + "=" + (e ? std::string(e->service.host()) : "-"));
  }
  Pattern all;
  size_t every = 0;
  snap.for_each_match(all, false, now, [&](const Entry&) { ++every; });
  out.push_back("all=" + std::to_string(every));
  return out;
}
}  // namespace

TEST_CASE("snapshot builder: random changes give what a full build gives") {
  std::mt19937 rng(1234);
  const int kUuids = 3000, kNames = 40;
  SnapshotBuilder incremental;
  std::map<int, EntryPtr> truth;
  std::vector<std::string> uuids;
  for (int u = 0; u < kUuids; ++u) uuids.push_back("u" + std::to_string(u));
  for (int round = 0; round < 60; ++round) {
    int changes = round < 5 ? 500 : 1 + static_cast<int>(rng() % 40);
    for (int c = 0; c < changes; ++c) {
      int u = static_cast<int>(rng() % kUuids);
      if (rng() % 4 == 0) {
        truth.erase(u);
        incremental.set("u" + std::to_string(u), nullptr);
      } else {
        // A new name moves the uuid to another group.
        auto e = entry(u, static_cast<int>(rng() % kNames), static_cast<int>(rng() % 60000));
        truth[u] = e;
        incremental.set(e->service.uuid(), e);
      }
    }
    auto built = incremental.build();
    std::vector<EntryPtr> all;
    for (const auto& [_, e] : truth) all.push_back(e);
    Snapshot full(all);
    CAPTURE(round);
    REQUIRE(built->size() == truth.size());
    CHECK(answers(*built, uuids, kNames) == answers(full, uuids, kNames));
  }
}

TEST_CASE("snapshot builder: one change replaces one group shard and one uuid shard") {
  SnapshotBuilder b;
  for (int u = 0; u < 20000; ++u) b.set("u" + std::to_string(u), entry(u, u % 2000, u));
  auto before = b.build();
  CHECK(before->pieces_shared_with(*before) == 2 * kShards);
  b.set("u7", entry(7, 7, 99));  // same group, new address
  auto after = b.build();
  CHECK(after->pieces_shared_with(*before) == 2 * kShards - 2);
  CHECK(after->by_uuid("u7")->service.host() == "10.0.0.99");
  CHECK(before->by_uuid("u7")->service.host() == "10.0.0.7");  // a published snapshot never changes
  auto same = b.build();  // nothing changed since
  CHECK(same->pieces_shared_with(*after) == 2 * kShards);
  // A move between groups touches both groups' shards (one or two).
  b.set("u8", entry(8, 1999, 8));
  auto moved = b.build();
  CHECK(moved->pieces_shared_with(*same) >= 2 * kShards - 3);
  CHECK(moved->pieces_shared_with(*same) < 2 * kShards - 1);
}
