// k8s_external through the plugin test kit, with a stand-in ExternalSource
// (the kubernetes side has its own tests): the apex in k8s_external's
// style, SERVFAIL before the source is ready, fallthrough, setup errors.
#include "plugins/k8s_external/k8s_external.h"

#include <doctest/doctest.h>

#include "core/plugin/testing.h"

SKYCORE_PLUGIN_SETUP(k8s_external)

using namespace skycore;
using namespace skycore::wire;
using skycore::testing::TestQuery;
using S = std::vector<std::string>;

namespace {

class OneService final : public ExternalSource {
 public:
  bool ready = true;
  bool external_ready() const override { return ready; }
  Lookup external(const ServiceQuery& q, bool, uint32_t ttl, std::vector<ServiceEntry>& out) const override {
    if (q.labels.size() == 2 && q.labels[0] == "web" && q.labels[1] == "ns") {
      ServiceEntry e;
      e.ttl = ttl;
      e.addrs = addrs;
      out.push_back(e);
      return Lookup::found;
    }
    return Lookup::nxdomain;
  }
  uint32_t external_version() const override { return 42; }
  void external_transfer(const Name& zone, bool, uint32_t ttl, TransferWriter& out) const override {
    Name web = zone;
    web.prepend_label("ns");
    web.prepend_label("web");
    out.add([&](MessageWriter& w) { return w.add_a(Section::answer, web, ttl, addrs[0].v4_bytes()); });
  }
  std::vector<IpBytes> addrs{IpBytes{false, {192, 0, 2, 10}}};
};

std::unique_ptr<plugins::k8s_external::K8sExternal> plugin_of(const std::string& body) {
  testing::SetupRun run(". {\n" + body + "\n}\n", "k8s_external", &plugins::k8s_external::setup);
  INFO(run.error);
  REQUIRE(run.plugin);
  return std::unique_ptr<plugins::k8s_external::K8sExternal>(
      static_cast<plugins::k8s_external::K8sExternal*>(run.plugin.release()));
}

}  // namespace

TEST_CASE("k8s_external: addresses, the apex in its own style, negative answers") {
  auto p = plugin_of(" k8s_external example.org {\n  apex edge\n  ttl 30\n }");
  OneService src;
  p->set_source(&src);
  TestQuery a("web.ns.example.org.", rrtype::A);
  testing::run(*p, a.req);
  CHECK(a.texts(Section::answer, rrtype::A) == S{"192.0.2.10"});
  CHECK(a.message().records.at(0).ttl == 30);

  TestQuery soa("example.org.", rrtype::SOA);
  testing::run(*p, soa.req);
  CHECK(soa.texts(Section::answer, rrtype::SOA) ==
        S{"ns1.edge.example.org. hostmaster.edge.example.org. 42 7200 1800 86400 30"});
  TestQuery ns("ns1.edge.example.org.", rrtype::A);
  testing::run(*p, ns.req);
  CHECK(ns.texts(Section::answer, rrtype::A) == S{"127.0.0.1"});

  TestQuery nx("db.ns.example.org.", rrtype::A);
  testing::run(*p, nx.req);
  CHECK(nx.rcode() == rcode::NXDOMAIN);
  CHECK(nx.texts(Section::authority, rrtype::SOA).size() == 1);

  testing::StubNext next(rcode::NOERROR);
  TestQuery other("web.ns.example.net.", rrtype::A);  // not our zone
  testing::run(*p, other.req, next);
  CHECK(next.calls == 1);

  src.ready = false;
  TestQuery early("web.ns.example.org.", rrtype::A);
  testing::run(*p, early.req);
  CHECK(early.rcode() == rcode::SERVFAIL);
}

TEST_CASE("k8s_external: fallthrough hands a name not found to the next plugin") {
  auto p = plugin_of(" k8s_external example.org {\n  fallthrough\n }");
  OneService src;
  p->set_source(&src);
  testing::StubNext next(rcode::NOERROR);
  TestQuery q("db.ns.example.org.", rrtype::A);
  testing::run(*p, q.req, next);
  CHECK(next.calls == 1);
}

TEST_CASE("k8s_external setup errors carry FILE:LINE") {
  auto error = [](const std::string& body) {
    return testing::SetupRun(". {\n" + body + "\n}\n", "k8s_external", &plugins::k8s_external::setup).error;
  };
  CHECK(error(" k8s_external {\n  ttl 4000\n }").starts_with("Corefile:3: k8s_external: ttl: 4000 is out of range"));
  CHECK(error(" k8s_external {\n  apex a.b\n }") == "Corefile:3: k8s_external: apex 'a.b': want a single label such as dns");
  CHECK(error(" k8s_external {\n  bogus\n }").starts_with("Corefile:3: unknown property 'bogus'"));
  CHECK(error(" k8s_external {\n  headless yes\n }").starts_with("Corefile:3: wrong argument count"));
}
