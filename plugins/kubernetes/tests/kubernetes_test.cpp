// Kubernetes::serve over a synthetic cluster (no API server), through the
// plugin test kit: the records, the negative answers, fallthrough, and that
// an A or SRV answer allocates nothing once warm.
#include "plugins/kubernetes/kubernetes.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "core/plugin/testing.h"
#include "plugins/kubernetes/tests/objects_fixture.h"

using namespace skycore;
using namespace skycore::wire;
using namespace skycore::plugins::kubernetes;
using skycore::testing::StubNext;
using skycore::testing::TestQuery;
using S = std::vector<std::string>;

namespace {
using fixture::ip;
using fixture::service;

Objects cluster() {
  Objects o;
  o.namespaces["/n"] = Namespace{"n"};
  o.services["n/web"] = service("n", "web", Service::Kind::cluster_ip, {ip("10.96.0.1")}, {{"http", "tcp", 80}});
  o.services["n/db"] = service("n", "db", Service::Kind::headless);
  o.slices["n/db-a"] = fixture::slice(
      "db", {{{ip("10.1.0.1")}, true, "db-0", "db-0"}, {{ip("10.1.0.2")}, true, "db-1", "db-1"}}, {{"pg", "tcp", 5432}});
  Service ext = service("n", "ext", Service::Kind::external_name);
  ext.external_name = "example.net";
  o.services["n/ext"] = ext;
  return o;
}

Config config(bool fallthrough = false) {
  Config c;
  for (const char* z : {"cluster.local.", "in-addr.arpa.", "ip6.arpa."}) c.zones.push_back(*Name::from_text(z));
  c.fallthrough.enabled = fallthrough;
  return c;
}

struct Cluster {
  explicit Cluster(Config c = config()) : k(std::move(c), 1) { k.serve_objects(cluster()); }
  Kubernetes k;
};
}  // namespace

TEST_CASE("kubernetes: ClusterIP A, SRV with the target's address, PTR") {
  Cluster c;
  TestQuery a("web.n.svc.cluster.local.", rrtype::A);
  CHECK(testing::run(c.k, a.req).rcode == rcode::NOERROR);
  CHECK(a.texts(Section::answer, rrtype::A) == S{"10.96.0.1"});
  CHECK(a.message().records.at(0).ttl == 5);
  CHECK((a.flags() & flag::AA) != 0);

  TestQuery srv("_http._tcp.web.n.svc.cluster.local.", rrtype::SRV);
  testing::run(c.k, srv.req);
  CHECK(srv.texts(Section::answer, rrtype::SRV) == S{"0 100 80 web.n.svc.cluster.local."});
  CHECK(srv.texts(Section::additional, rrtype::A) == S{"10.96.0.1"});

  TestQuery headless("_pg._tcp.db.n.svc.cluster.local.", rrtype::SRV);
  testing::run(c.k, headless.req);
  CHECK(headless.texts(Section::answer, rrtype::SRV) ==
        S{"0 50 5432 db-0.db.n.svc.cluster.local.", "0 50 5432 db-1.db.n.svc.cluster.local."});
  CHECK(headless.texts(Section::additional, rrtype::A) == S{"10.1.0.1", "10.1.0.2"});

  TestQuery ptr("1.0.96.10.in-addr.arpa.", rrtype::PTR);
  testing::run(c.k, ptr.req);
  CHECK(ptr.texts(Section::answer, rrtype::PTR) == S{"web.n.svc.cluster.local."});
  TestQuery ptr_a("1.0.96.10.in-addr.arpa.", rrtype::A);  // a reverse name has PTR only
  testing::run(c.k, ptr_a.req);
  CHECK(ptr_a.count(Section::answer) == 0);
  CHECK(ptr_a.texts(Section::authority, rrtype::SOA).size() == 1);
}

TEST_CASE("kubernetes: apex, ns.dns, dns-version, ExternalName, negative answers") {
  Cluster c;
  TestQuery ns("cluster.local.", rrtype::NS);
  testing::run(c.k, ns.req);
  CHECK(ns.texts(Section::answer, rrtype::NS) == S{"ns.dns.cluster.local."});
  CHECK(ns.texts(Section::additional, rrtype::A) == S{"127.0.0.1"});  // the address asked on
  TestQuery target("ns.dns.cluster.local.", rrtype::A);
  testing::run(c.k, target.req);
  CHECK(target.texts(Section::answer, rrtype::A) == S{"127.0.0.1"});
  TestQuery version("dns-version.cluster.local.", rrtype::TXT);
  testing::run(c.k, version.req);
  CHECK(version.texts(Section::answer, rrtype::TXT) == S{"\"1.1.0\""});

  TestQuery ext("ext.n.svc.cluster.local.", rrtype::A);  // no resolver here: the CNAME alone
  testing::run(c.k, ext.req);
  CHECK(ext.texts(Section::answer, rrtype::CNAME) == S{"example.net."});

  TestQuery nx("nosuch.n.svc.cluster.local.", rrtype::A);
  CHECK(testing::run(c.k, nx.req).rcode == rcode::NXDOMAIN);
  CHECK(nx.rcode() == rcode::NXDOMAIN);
  CHECK(nx.texts(Section::authority, rrtype::SOA).size() == 1);
  TestQuery ent("n.svc.cluster.local.", rrtype::A);  // an empty non-terminal: NODATA
  CHECK(testing::run(c.k, ent.req).rcode == rcode::NOERROR);
  CHECK(ent.texts(Section::authority, rrtype::SOA).size() == 1);

  TestQuery outside("example.org.", rrtype::A);
  StubNext next;
  testing::run(c.k, outside.req, next);
  CHECK(next.calls == 1);
}

TEST_CASE("kubernetes: fallthrough passes unknown names on; before a sync every name is SERVFAIL") {
  Cluster c(config(/*fallthrough=*/true));
  TestQuery nx("nosuch.n.svc.cluster.local.", rrtype::A);
  StubNext next;
  CHECK(testing::run(c.k, nx.req, next).rcode == rcode::REFUSED);
  CHECK(next.qnames == S{"nosuch.n.svc.cluster.local."});

  Kubernetes unsynced(config(), 1);
  TestQuery q("web.n.svc.cluster.local.", rrtype::A);
  CHECK(testing::run(unsynced, q.req).rcode == rcode::SERVFAIL);
}

TEST_CASE("kubernetes: A and SRV answers allocate nothing per query once warm") {
  Cluster c;
  StubNext next;
  testing::Runner run(c.k, next);
  auto per_query = [&](const char* qname, uint16_t qtype) {
    TestQuery q(qname, qtype);
    for (int i = 0; i < 100; ++i) {  // warm: the worker's scratch, the runner's frames
      q.restart();
      run(q.req);
    }
    long before = testing::allocation_count();
    for (int i = 0; i < 1000; ++i) {
      q.restart();
      run(q.req);
    }
    CHECK(q.count(Section::answer) > 0);
    return testing::allocation_count() - before;
  };
  // What the test kit's runner costs on its own (a coroutine spawn), with a
  // plugin that does nothing but pass the query on.
  StubNext only;
  long harness = 0;
  {
    TestQuery q("example.org.", rrtype::A);
    testing::Runner bare(only, next);
    for (int i = 0; i < 100; ++i) bare(q.req);
    long before = testing::allocation_count();
    for (int i = 0; i < 1000; ++i) bare(q.req);
    harness = testing::allocation_count() - before;
  }
  // Asio's frame recycling allocates now and then (a few per thousand, in the
  // bare runner too); an allocation per query would be a thousand.
  CHECK(harness < 50);
  CHECK(per_query("web.n.svc.cluster.local.", rrtype::A) < harness + 50);
  CHECK(per_query("_pg._tcp.db.n.svc.cluster.local.", rrtype::SRV) < harness + 50);
}

TEST_CASE("kubernetes search_path (autopath): the asking pod's namespace first, then the host's list") {
  Config cfg = config();
  cfg.autopath = true;
  cfg.host_search.push_back(*Name::from_text("corp.example."));
  Kubernetes k(std::move(cfg), 1);
  Objects o = cluster();
  o.pods.put("n/web-0", Pod{"n", "web-0", {ip("10.1.0.9"), ip("fd00::9")}});
  o.pods.put("other/api-0", Pod{"other", "api-0", {ip("10.1.0.10")}});
  o.pods.put("kube-system/proxy", Pod{"kube-system", "proxy", {ip("10.0.0.1")}, true});  // host network
  // An address two namespaces claim (the old pod not yet gone) names neither.
  o.pods.put("a/old", Pod{"a", "old", {ip("10.1.0.11")}});
  o.pods.put("b/new", Pod{"b", "new", {ip("10.1.0.11")}});
  k.serve_objects(o);

  auto path_of = [&](const char* client, const char* qname) {
    testing::QueryOptions opt;
    opt.remote = asio::ip::make_address(client);
    TestQuery q(qname, rrtype::A, opt);
    SearchPath p;
    S out;
    if (!k.search_path(q.req, p)) return S{"none"};
    for (size_t i = 0; i < p.count; ++i) out.push_back(p.names[i].to_text());
    return out;
  };
  const S n_path{"n.svc.cluster.local.", "svc.cluster.local.", "cluster.local.", "corp.example."};
  CHECK(path_of("10.1.0.9", "example.com.n.svc.cluster.local.") == n_path);
  CHECK(path_of("fd00::9", "example.com.n.svc.cluster.local.") == n_path);
  CHECK(path_of("::ffff:10.1.0.9", "x.n.svc.cluster.local.") == n_path);  // a v4 client on a dual-stack socket
  CHECK(path_of("10.1.0.10", "x.other.svc.cluster.local.").at(0) == "other.svc.cluster.local.");
  CHECK(path_of("10.0.0.1", "x.cluster.local.") == S{"none"});
  CHECK(path_of("10.1.0.11", "x.cluster.local.") == S{"none"});
  CHECK(path_of("10.9.9.9", "x.cluster.local.") == S{"none"});  // not a pod
  CHECK(path_of("10.1.0.9", "example.com.") == S{"none"});       // outside the zones

  Kubernetes off(config(), 1);  // no autopath in the block: no index
  off.serve_objects(o);
  testing::QueryOptions opt;
  opt.remote = asio::ip::make_address("10.1.0.9");
  TestQuery q("x.n.svc.cluster.local.", rrtype::A, opt);
  SearchPath p;
  CHECK_FALSE(off.search_path(q.req, p));
}

TEST_CASE("kubernetes pod index: bytes per pod") {
  PodTable pods;
  for (int i = 0; i < 10000; ++i) {
    Pod p{"ns" + std::to_string(i % 50), "pod-" + std::to_string(i), {}};
    p.ips.push_back(ip(fmt::format("10.{}.{}.{}", i >> 16, (i >> 8) & 255, i & 255).c_str()));
    pods.put(p.ns + "/" + p.name, p);
  }
  PodIndex index(pods);
  CHECK(index.size() == 10000);
  CHECK(index.namespace_of(ip("10.0.0.7")) == "ns7");
  // 8 bytes per IPv4 pod and the 50 namespace names: what docs/benchmarks.md states.
  CHECK(index.bytes() <= 10000 * 8 + 50 * 64);
}
