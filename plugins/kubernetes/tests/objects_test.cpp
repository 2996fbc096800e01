#include <doctest/doctest.h>

#include "plugins/kubernetes/objects.h"

using namespace skycore::plugins::kubernetes;

namespace {
// The tests' texts are literals, so the views stay valid.
skycore::JsonView json(std::string_view text) {
  std::string why;
  auto v = skycore::JsonView::parse(text, why);
  REQUIRE_MESSAGE(v, why);
  return *v;
}
std::string ip_text(const Ip& ip) { return dashed(ip); }
}  // namespace

TEST_CASE("services: ClusterIP (dual-stack), headless, ExternalName, and one still without an address") {
  std::string why;
  auto s = parse_service(json(R"({"metadata":{"name":"Web","namespace":"Prod"},
    "spec":{"type":"ClusterIP","clusterIP":"10.96.0.5","clusterIPs":["10.96.0.5","fd00::5"],
    "ports":[{"name":"HTTP","port":80},{"port":81,"protocol":"UDP"}]}})"), why);
  REQUIRE(s);
  CHECK(s->ns == "prod");
  CHECK(s->name == "web");
  CHECK(s->kind == Service::Kind::cluster_ip);
  REQUIRE(s->cluster_ips.size() == 2);
  CHECK(ip_text(s->cluster_ips[1]) == "fd00--5");
  REQUIRE(s->ports.size() == 2);
  CHECK(s->ports[0].name == "http");
  CHECK(s->ports[0].protocol() == "tcp");  // the API's default
  CHECK(s->ports[1].protocol() == "udp");
  // A protocol the API server would not accept, too long to hold inline:
  // that port is left out, the others stay.
  auto odd = parse_service(json(R"({"metadata":{"name":"o","namespace":"n"},
    "spec":{"clusterIP":"10.96.0.6","ports":[{"name":"a","port":1,"protocol":"SCTP"},{"name":"b","port":2,"protocol":"QUICPLUS"}]}})"), why);
  REQUIRE(odd);
  REQUIRE(odd->ports.size() == 1);
  CHECK(odd->ports[0].protocol() == "sctp");

  auto h = parse_service(json(R"({"metadata":{"name":"h","namespace":"n",
    "annotations":{"service.alpha.kubernetes.io/tolerate-unready-endpoints":"true"}},
    "spec":{"clusterIP":"None","ports":null}})"), why);
  REQUIRE(h);
  CHECK(h->kind == Service::Kind::headless);
  CHECK(h->publish_not_ready);
  CHECK(h->ports.empty());

  auto e = parse_service(json(R"({"metadata":{"name":"e","namespace":"n"},
    "spec":{"type":"ExternalName","externalName":"Example.NET."}})"), why);
  REQUIRE(e);
  CHECK(e->external_name == "example.net");

  CHECK_FALSE(parse_service(json(R"({"metadata":{"name":"p","namespace":"n"},"spec":{"clusterIP":""}})"), why));
  CHECK(why == "no clusterIP yet");
}

TEST_CASE("endpoint slices: null lists, absent conditions, FQDN slices") {
  std::string why;
  auto s = parse_endpoint_slice(json(R"({"metadata":{"name":"s","namespace":"n",
    "labels":{"kubernetes.io/service-name":"svc"}},"addressType":"IPv4","endpoints":null,"ports":null})"), why);
  REQUIRE(s);
  CHECK(s->endpoints.empty());
  CHECK(s->service == "svc");

  auto t = parse_endpoint_slice(json(R"({"metadata":{"name":"t","namespace":"n",
    "labels":{"kubernetes.io/service-name":"svc"}},"addressType":"IPv4",
    "endpoints":[{"addresses":["10.1.0.1"]},
                 {"addresses":["10.1.0.2"],"conditions":{"ready":false},"hostname":"Db-0",
                  "targetRef":{"kind":"Pod","name":"db-0"}}],
    "ports":[{"name":"pg","port":5432,"protocol":"TCP"}]})"), why);
  REQUIRE(t);
  REQUIRE(t->endpoints.size() == 2);
  CHECK(t->endpoints[0].ready);  // absent means ready
  CHECK_FALSE(t->endpoints[1].ready);
  CHECK(t->hostname(t->endpoints[1]) == "db-0");
  CHECK(t->pod(t->endpoints[1]) == "db-0");
  CHECK(t->hostname(t->endpoints[0]).empty());
  REQUIRE(t->addresses(t->endpoints[1]).size() == 1);
  CHECK(t->addresses(t->endpoints[1])[0] == *parse_ip("10.1.0.2"));

  CHECK_FALSE(parse_endpoint_slice(json(R"({"metadata":{"name":"f","namespace":"n",
    "labels":{"kubernetes.io/service-name":"svc"}},"addressType":"FQDN"})"), why));
  CHECK_FALSE(parse_endpoint_slice(json(R"({"metadata":{"name":"u","namespace":"n"},"addressType":"IPv4"})"), why));
  CHECK(why == "no kubernetes.io/service-name label");
}

TEST_CASE("pods: all addresses, and none for a pod being deleted") {
  std::string why;
  auto p = parse_pod(json(R"({"metadata":{"name":"p","namespace":"n"},
    "status":{"podIP":"10.2.0.1","podIPs":[{"ip":"10.2.0.1"},{"ip":"fd00::1"}]}})"), why);
  REQUIRE(p);
  CHECK(p->ips.size() == 2);
  CHECK_FALSE(parse_pod(json(R"({"metadata":{"name":"p","namespace":"n","deletionTimestamp":"2024-01-01T00:00:00Z"},
    "status":{"podIP":"10.2.0.1"}})"), why));
}

TEST_CASE("json view: members, repeats, escapes, wrong types and malformed text") {
  auto o = json(R"({"a":1,"b":{"c":[1,"x\u00e9",null,true]},"a":2,"s":"q\"\n"})");
  CHECK(o["a"].integer() == 2);  // the last of a repeated member, as Poco's document kept
  CHECK(o["s"].text() == "q\"\n");
  std::vector<std::string> seen;
  o["b"]["c"].for_each([&](const skycore::JsonView& v) { seen.push_back(std::string(v.raw())); });
  CHECK(seen == std::vector<std::string>{"1", "\"x\\u00e9\"", "null", "true"});
  CHECK(o["b"]["c"].is_array());
  CHECK_FALSE(o["nope"].present());
  CHECK(o["b"]["c"]["x"].present() == false);  // an array has no members
  CHECK(o["a"].text().empty());                 // not a string
  CHECK_FALSE(o["s"].integer());
  std::string why;
  for (const char* bad : {"", "{", "{\"a\":}", "[1,]", "{\"a\":1} x", "\"\\ud800\"", "01"}) {
    CAPTURE(bad);
    CHECK_FALSE(skycore::JsonView::parse(bad, why));
  }
  std::string deep(200, '[');
  CHECK_FALSE(skycore::JsonView::parse(deep + std::string(200, ']'), why));
  CHECK(why.find("nested too deep") != std::string::npos);
}
