#include <doctest/doctest.h>

#include "plugins/kubernetes/snapshot.h"

using namespace skycore::plugins::kubernetes;

namespace {
Ip ip(const char* t) { return *parse_ip(t); }

Objects cluster() {
  Objects o;
  o.namespaces["/n"] = Namespace{"n"};
  o.namespaces["/other"] = Namespace{"other"};
  Service web;
  web.ns = "n";
  web.name = "web";
  web.cluster_ips = {ip("10.96.0.1")};
  web.ports = {{"http", "tcp", 80}, {"", "tcp", 81}};
  o.services["n/web"] = web;

  Service db;
  db.ns = "n";
  db.name = "db";
  db.kind = Service::Kind::headless;
  o.services["n/db"] = db;
  EndpointSlice v4{"n", "db-a", "db", {{{ip("10.1.0.1")}, true, "db-0", "db-0"}, {{ip("10.1.0.2")}, false, "", "db-1"}},
                   {{"pg", "tcp", 5432}}};
  EndpointSlice v6{"n", "db-b", "db", {{{ip("fd00::1")}, true, "db-0", "db-0"}}, {{"pg", "tcp", 5432}}};
  o.slices["n/db-a"] = v4;
  o.slices["n/db-b"] = v6;

  Service lonely;  // a ClusterIP without endpoints
  lonely.ns = "other";
  lonely.name = "lonely";
  lonely.cluster_ips = {ip("10.96.0.9")};
  o.services["other/lonely"] = lonely;
  return o;
}
}  // namespace

TEST_CASE("snapshot: services, SRV for named ports, empty non-terminals") {
  Snapshot s(cluster(), {});
  const Node* web = s.find("web.n.svc");
  REQUIRE(web);
  CHECK(web->addrs.size() == 1);
  REQUIRE(web->srvs.size() == 1);  // the unnamed port has none
  REQUIRE(s.find("_http._tcp.web.n.svc"));
  CHECK(s.find("_http._tcp.web.n.svc")->srvs[0].target == "web.n.svc");
  CHECK(s.is_empty_non_terminal("_tcp.web.n.svc"));
  CHECK(s.is_empty_non_terminal("n.svc"));
  CHECK(s.is_empty_non_terminal("other.pod"));
  CHECK_FALSE(s.is_empty_non_terminal("nosuch.svc"));
  CHECK_FALSE(s.find("nosuch.n.svc"));
}

TEST_CASE("snapshot: a headless service's ready endpoints; one SRV per dual-stack endpoint") {
  Snapshot s(cluster(), {});
  const Node* db = s.find("db.n.svc");
  REQUIRE(db);
  CHECK(db->addrs.size() == 2);  // 10.1.0.1 and fd00::1; not the unready 10.1.0.2
  REQUIRE(db->srvs.size() == 1);
  CHECK(db->srvs[0].target == "db-0.db.n.svc");
  CHECK(db->srvs[0].addrs.size() == 2);
  CHECK(s.find("db-0.db.n.svc"));
  CHECK_FALSE(s.find("10-1-0-2.db.n.svc"));
  REQUIRE(s.reverse(ip("10.1.0.1")).size() == 1);
  CHECK(*s.reverse(ip("10.1.0.1")).front().name == "db-0.db.n.svc");
  CHECK(*s.reverse(ip("10.96.0.1")).front().name == "web.n.svc");
  CHECK(s.reverse(ip("10.1.0.2")).empty());  // not ready: no name
}

TEST_CASE("snapshot: namespaces, ignore empty_service and endpoint_pod_names") {
  BuildOptions only_n;
  only_n.namespaces = {"n"};
  Snapshot a(cluster(), only_n);
  CHECK_FALSE(a.find("lonely.other.svc"));
  CHECK_FALSE(a.has_namespace("other"));

  BuildOptions ignore;
  ignore.ignore_empty_service = true;
  Snapshot b(cluster(), ignore);
  CHECK_FALSE(b.find("lonely.other.svc"));
  CHECK(Snapshot(cluster(), {}).find("lonely.other.svc"));

  Objects o = cluster();
  o.slices["n/db-a"].endpoints[0].hostname.clear();
  BuildOptions pods;
  pods.endpoint_pod_names = true;
  CHECK(Snapshot(o, pods).find("db-0.db.n.svc"));       // the pod's name
  CHECK(Snapshot(o, {}).find("10-1-0-1.db.n.svc"));     // else the dashed address
}
