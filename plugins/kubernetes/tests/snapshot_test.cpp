#include <doctest/doctest.h>

#include "core/plugin/service_backend.h"
#include "plugins/kubernetes/cluster_lookup.h"
#include "plugins/kubernetes/snapshot.h"
#include "plugins/kubernetes/tests/objects_fixture.h"

using namespace skycore;
using namespace skycore::plugins::kubernetes;
using fixture::ip;
using S = std::vector<std::string>;

namespace {

Objects cluster() {
  Objects o;
  o.namespaces["/n"] = Namespace{"n"};
  o.namespaces["/other"] = Namespace{"other"};
  o.services["n/web"] = fixture::service("n", "web", Service::Kind::cluster_ip, {ip("10.96.0.1")},
                                         {{"http", "tcp", 80}, {"", "tcp", 81}});
  o.services["n/db"] = fixture::service("n", "db", Service::Kind::headless);
  o.slices["n/db-a"] = fixture::slice(
      "db", {{{ip("10.1.0.1")}, true, "db-0", "db-0"}, {{ip("10.1.0.2")}, false, "", "db-1"}}, {{"pg", "tcp", 5432}});
  o.slices["n/db-b"] = fixture::slice("db", {{{ip("fd00::1")}, true, "db-0", "db-0"}}, {{"pg", "tcp", 5432}});
  // A ClusterIP without endpoints.
  o.services["other/lonely"] = fixture::service("other", "lonely", Service::Kind::cluster_ip, {ip("10.96.0.9")});
  return o;
}

const wire::Name& zone() {
  static const wire::Name z = *wire::Name::from_text("cluster.local.");
  return z;
}

// Asks `rel` (relative to cluster.local, "a.b.svc") of `snap`: the lookup,
// and each entry as text ("10.1.0.1 fd00::1" or "5432 db-0.db.n.svc.cluster.local.").
struct Asked {
  Lookup lookup;
  S entries;
};
Asked ask(const Snapshot& snap, const std::string& rel, uint16_t qtype, bool pod_names = false) {
  std::vector<std::string> parts;
  for (size_t start = 0;;) {
    size_t dot = rel.find('.', start);
    parts.push_back(rel.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  std::vector<std::string_view> labels(parts.begin(), parts.end());
  ClusterQuestion q;
  q.labels = labels;
  q.qtype = qtype;
  q.ttl = 5;
  q.zone = &zone();
  q.pod_names = pod_names;
  std::vector<ServiceEntry> out;
  Asked a{answer_cluster(snap, q, out), {}};
  for (const auto& e : out) {
    std::string t;
    if (e.port) t = std::to_string(e.port) + " " + e.target.to_text();
    for (const Ip& x : e.addresses()) {
      if (!t.empty()) t += " ";
      char buf[48];
      t += dashed(x, buf);
    }
    a.entries.push_back(t);
  }
  return a;
}

}  // namespace

TEST_CASE("snapshot: services, SRV for named ports, empty non-terminals") {
  Snapshot s(cluster(), {});
  CHECK(ask(s, "web.n.svc", wire::rrtype::A).entries == S{"10-96-0-1"});
  // The unnamed port has no SRV.
  CHECK(ask(s, "web.n.svc", wire::rrtype::SRV).entries == S{"80 web.n.svc.cluster.local. 10-96-0-1"});
  CHECK(ask(s, "_http._tcp.web.n.svc", wire::rrtype::SRV).entries == S{"80 web.n.svc.cluster.local. 10-96-0-1"});
  CHECK(ask(s, "_http._tcp.web.n.svc", wire::rrtype::A).lookup == Lookup::found);  // NODATA
  CHECK(ask(s, "_http._udp.web.n.svc", wire::rrtype::SRV).lookup == Lookup::nxdomain);
  for (const char* ent : {"_tcp.web.n.svc", "n.svc", "other.pod", "svc", "pod"}) {
    CAPTURE(ent);
    auto a = ask(s, ent, wire::rrtype::A);
    CHECK(a.lookup == Lookup::found);
    CHECK(a.entries.empty());
  }
  for (const char* none : {"nosuch.svc", "nosuch.n.svc", "_udp.web.n.svc", "x.y.web.n.svc", "a.b.c.web.n.svc", "n.other"}) {
    CAPTURE(none);
    CHECK(ask(s, none, wire::rrtype::A).lookup == Lookup::nxdomain);
  }
  CHECK(s.size() == 3);
}

TEST_CASE("snapshot: a headless service's ready endpoints; one SRV per dual-stack endpoint") {
  Snapshot s(cluster(), {});
  // 10.1.0.1 and fd00::1; not the unready 10.1.0.2.
  CHECK(ask(s, "db.n.svc", wire::rrtype::A).entries == S{"10-1-0-1 fd00--1"});
  CHECK(ask(s, "db.n.svc", wire::rrtype::SRV).entries == S{"5432 db-0.db.n.svc.cluster.local. 10-1-0-1 fd00--1"});
  CHECK(ask(s, "_pg._tcp.db.n.svc", wire::rrtype::SRV).entries == S{"5432 db-0.db.n.svc.cluster.local. 10-1-0-1 fd00--1"});
  CHECK(ask(s, "db-0.db.n.svc", wire::rrtype::A).entries == S{"10-1-0-1 fd00--1"});
  CHECK(ask(s, "10-1-0-2.db.n.svc", wire::rrtype::A).lookup == Lookup::nxdomain);
  REQUIRE(s.reverse(ip("10.1.0.1")).size() == 1);
  CHECK(s.reverse(ip("10.1.0.1")).front().records == s.service("n", "db"));
  CHECK(s.reverse(ip("10.96.0.1")).front().names_service());
  CHECK(s.reverse(ip("10.1.0.2")).empty());  // not ready: no name
}

TEST_CASE("snapshot: namespaces, ignore empty_service and endpoint_pod_names") {
  BuildOptions only_n;
  only_n.namespaces = {"n"};
  Snapshot a(cluster(), only_n);
  CHECK_FALSE(a.service("other", "lonely"));
  CHECK_FALSE(a.has_namespace("other"));

  BuildOptions ignore;
  ignore.ignore_empty_service = true;
  Snapshot b(cluster(), ignore);
  CHECK(ask(b, "lonely.other.svc", wire::rrtype::A).lookup == Lookup::nxdomain);
  CHECK(b.reverse(ip("10.96.0.9")).empty());
  CHECK(ask(Snapshot(cluster(), {}), "lonely.other.svc", wire::rrtype::A).lookup == Lookup::found);

  Objects o = cluster();
  o.slices["n/db-a"] = fixture::slice("db", {{{ip("10.1.0.1")}, true, "", "db-0"}}, {{"pg", "tcp", 5432}});
  o.slices.erase("n/db-b");
  BuildOptions pods;
  pods.endpoint_pod_names = true;
  CHECK(ask(Snapshot(o, pods), "db-0.db.n.svc", wire::rrtype::A).entries == S{"10-1-0-1"});  // the pod's name
  CHECK(ask(Snapshot(o, {}), "10-1-0-1.db.n.svc", wire::rrtype::A).entries == S{"10-1-0-1"});  // else the dashed address
  // A ClusterIP Service's endpoints are found by reading the slices, not stored by name.
  o.slices["n/web-a"] = fixture::slice("web", {{{ip("10.1.0.7"), ip("fd00::7")}, true, "", "web-0"}});
  Snapshot c(o, {});
  CHECK(ask(c, "10-1-0-7.web.n.svc", wire::rrtype::A).entries == S{"10-1-0-7"});
  CHECK(ask(c, "fd00--7.web.n.svc", wire::rrtype::AAAA).entries == S{"fd00--7"});
  CHECK(ask(Snapshot(o, pods), "web-0.web.n.svc", wire::rrtype::A, true).entries == S{"10-1-0-7 fd00--7"});
}

TEST_CASE("snapshot: a change rebuilds only the Service it touches; the rest is shared") {
  ObjectCache cache;
  cache.load(cluster());
  const bool stop = false;
  Snapshot first, second;
  auto take = [&](Snapshot& into, const Snapshot* prev, size_t* changed = nullptr) {
    return cache.wait_and_read(stop, std::chrono::milliseconds(0), [&](const ObjectState& st, const Changes& ch, size_t) {
      if (changed) *changed = ch.services.size();
      into = Snapshot::next(prev, st, ch, {});
    });
  };
  REQUIRE(take(first, nullptr));
  const ServiceRecords* lonely = first.service("other", "lonely");
  const ServiceRecords* web = first.service("n", "web");
  // A new endpoint for db: db's records change, web's and lonely's are the same objects.
  cache.put_slice("n/db-c", fixture::slice("db", {{{ip("10.1.0.3")}, true, "db-2", "db-2"}}, {{"pg", "tcp", 5432}}));
  size_t changed = 0;
  REQUIRE(take(second, &first, &changed));
  CHECK(changed == 1);
  CHECK(second.service("other", "lonely") == lonely);
  CHECK(second.service("n", "web") == web);
  CHECK(ask(second, "db-2.db.n.svc", wire::rrtype::A).entries == S{"10-1-0-3"});
  CHECK(ask(first, "db-2.db.n.svc", wire::rrtype::A).lookup == Lookup::nxdomain);  // the old one is unchanged
  REQUIRE(second.reverse(ip("10.1.0.3")).size() == 1);
  CHECK(second.reverse(ip("10.1.0.3")).front().records == second.service("n", "db"));
  // The old db's PTR rows went with it.
  CHECK(second.reverse(ip("10.1.0.1")).front().records == second.service("n", "db"));

  // Deleting the Service removes its names and its PTR rows.
  Snapshot third;
  cache.erase(Kind::services, "n/web");
  REQUIRE(take(third, &second));
  CHECK(ask(third, "web.n.svc", wire::rrtype::A).lookup == Lookup::nxdomain);
  CHECK(third.reverse(ip("10.96.0.1")).empty());
  CHECK(third.size() == 2);
}

TEST_CASE("object cache: an unchanged relist changes nothing; one that misses an object removes it") {
  ObjectCache cache;
  cache.load(cluster());
  const bool stop = false;
  Snapshot s;
  auto take = [&](const Snapshot* prev, Changes* seen = nullptr) {
    return cache.wait_and_read(stop, std::chrono::milliseconds(0), [&](const ObjectState& st, const Changes& ch, size_t) {
      if (seen) *seen = ch;
      s = Snapshot::next(prev, st, ch, {});
    });
  };
  REQUIRE(take(nullptr));
  Objects o = cluster();
  cache.begin_list(Kind::services);
  for (const auto& [k, svc] : o.services)
    if (k != "other/lonely") cache.put_service(k, svc);
  cache.begin_list(Kind::slices);
  for (const auto& [k, sl] : o.slices) cache.put_slice(k, sl);
  cache.end_list(Kind::slices);
  cache.end_list(Kind::services);
  Snapshot prev = s;
  Changes seen;
  REQUIRE(take(&prev, &seen));
  CHECK(seen.services == std::set<std::string>{"other/lonely"});  // the only one that differs
  CHECK_FALSE(s.service("other", "lonely"));
  CHECK(s.service("n", "web") == prev.service("n", "web"));
}

TEST_CASE("object cache: a slice before its Service, the Service gone before its slices") {
  // The Service and its slices share one cache entry: either may arrive
  // first, and the entry lasts while either is held.
  ObjectCache cache;
  const bool stop = false;
  Snapshot s;
  auto take = [&]() {
    Snapshot prev = s;
    return cache.wait_and_read(stop, std::chrono::milliseconds(0), [&](const ObjectState& st, const Changes& ch, size_t) {
      s = Snapshot::next(&prev, st, ch, {});
    });
  };
  cache.put_slice("n/api-a", fixture::slice("api", {{{ip("10.1.0.9")}, true, "", "api-0"}}, {{"http", "tcp", 80}}));
  REQUIRE(take());
  CHECK_FALSE(s.service("n", "api"));  // no Service yet: nothing answers
  cache.put_service("n/api", fixture::service("n", "api", Service::Kind::headless, {}, {{"http", "tcp", 80}}));
  REQUIRE(take());
  CHECK(ask(s, "api.n.svc", wire::rrtype::A).entries == S{"10-1-0-9"});
  cache.erase(Kind::services, "n/api");
  REQUIRE(take());
  CHECK(ask(s, "api.n.svc", wire::rrtype::A).lookup == Lookup::nxdomain);
  // The slice is still held: the Service coming back answers with it.
  cache.put_service("n/api", fixture::service("n", "api", Service::Kind::headless, {}, {{"http", "tcp", 80}}));
  REQUIRE(take());
  CHECK(ask(s, "api.n.svc", wire::rrtype::A).entries == S{"10-1-0-9"});
  // Without its slices, the headless Service has no records.
  cache.erase(Kind::slices, "n/api-a");
  REQUIRE(take());
  CHECK(ask(s, "api.n.svc", wire::rrtype::A).lookup == Lookup::nxdomain);
  CHECK(s.reverse(ip("10.1.0.9")).empty());
}
