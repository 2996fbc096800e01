// Named ports, tags and health checks: what a registration may carry, how
// it reads and writes (API body, journal), and how a check's reply is judged.
#include <doctest/doctest.h>

#include <string>

#include "plugins/skydns-registry/check_probe.h"
#include "plugins/skydns-registry/health_share.h"
#include "plugins/skydns-registry/service_json.h"
#include "plugins/skydns-registry/store.h"

using namespace skycore::plugins::skydns_registry;
using namespace std::chrono_literals;

namespace {
std::string details_error(const char* ports, const char* tags, const char* checks) {
  DetailsPtr d;
  auto err = details_from_json(ports, tags, checks, d);
  return err ? *err : "";
}
}  // namespace

TEST_CASE("details: ports, tags and checks read, normalise and write back") {
  DetailsPtr d;
  REQUIRE_FALSE(details_from_json(R"({"HTTP":8080,"grpc":9090})", R"(["Primary","v2","primary"])",
                                  R"([{"HTTP":"http://127.0.0.1:8080/health","Interval":"5s","Timeout":"500ms"},
                                      {"tcp":"[::1]:9090"}])",
                                  d));
  REQUIRE(d);
  REQUIRE(d->ports.size() == 2);
  CHECK(d->port("http")->port == 8080);  // names lowercased: DNS asks in any case
  CHECK(d->port("grpc")->port == 9090);
  CHECK(d->port("ftp") == nullptr);
  CHECK(d->tags == std::vector<std::string>{"primary", "v2"});
  REQUIRE(d->checks.size() == 2);
  CHECK(d->checks[0].kind == HealthCheck::http);
  CHECK(d->checks[0].path == "/health");
  CHECK(d->checks[0].interval == 5s);
  CHECK(d->checks[0].timeout == 500ms);
  CHECK(d->checks[1].kind == HealthCheck::tcp);
  CHECK(d->checks[1].address == "::1");
  CHECK(d->checks[1].interval == 10s);  // Consul's default
  CHECK(d->checks[1].timeout == 10s);
  CHECK(d->checks[1].target() == "[::1]:9090");

  std::string json;
  append_details_json(json, *d);
  CHECK(json == R"(,"Ports":{"grpc":9090,"http":8080},"Tags":["primary","v2"],"Checks":[)"
                R"({"HTTP":"http://127.0.0.1:8080/health","Interval":"5s","Timeout":"500ms"},)"
                R"({"TCP":"[::1]:9090","Interval":"10s","Timeout":"10s"}])");
  // All absent: no details at all (a SkyDNS 1 registration costs nothing).
  DetailsPtr none;
  REQUIRE_FALSE(details_from_json("", "", "", none));
  CHECK(none == nullptr);
}

TEST_CASE("details: what is refused, with a reason") {
  CHECK(details_error(R"([8080])", "", "") == "Ports must be an object of name: port");
  CHECK(details_error(R"({"http":0})", "", "") == "port 'http' must be between 1 and 65535");
  CHECK(details_error(R"({"http":"80"})", "", "") == "port 'http' must be a number");
  CHECK(details_error(R"({"ht_tp":80})", "", "") == "port name 'ht_tp' is not a DNS label");
  CHECK(details_error(R"({"http":80,"HTTP":81})", "", "").ends_with("is named twice"));
  CHECK(details_error("", R"("a")", "") == "Tags must be an array of strings");
  CHECK(details_error("", R"(["a.b"])", "") == "tag 'a.b' is not a DNS label");
  CHECK(details_error("", "", R"([{"HTTP":"https://127.0.0.1:1/"}])").find("https") != std::string::npos);
  CHECK(details_error("", "", R"([{"TCP":"db.example.com:5432"}])") ==
        "a check's host 'db.example.com' must be an IP address");
  CHECK(details_error("", "", R"([{"TCP":"::1:80"}])") == "an IPv6 check address needs brackets: [::1]:PORT");
  CHECK(details_error("", "", R"([{"TCP":"127.0.0.1:1","HTTP":"http://127.0.0.1:1/"}])") ==
        "a check needs exactly one of HTTP or TCP");
  CHECK(details_error("", "", R"([{"TCP":"127.0.0.1:1","Interval":"100ms"}])").find("Interval") != std::string::npos);
  CHECK(details_error("", "", R"([{"TCP":"127.0.0.1:1","Interval":"2s","Timeout":"3s"}])").find("Timeout") !=
        std::string::npos);
  CHECK(details_error("", "", R"([{"HTTP":"http://127.0.0.1:1/a b"}])") ==
        "an HTTP check's path must not contain spaces");
  std::string nine = "[";
  for (int i = 0; i < 9; ++i) nine += std::string(i ? "," : "") + R"({"TCP":"127.0.0.1:1"})";
  CHECK(details_error("", "", (nine + "]").c_str()) == "at most 8 Checks");
}

TEST_CASE("details: a registration body carries them, GET shows them with the health, the journal keeps them") {
  Service s;
  REQUIRE_FALSE(from_json(R"({"name":"web","host":"10.0.0.1","port":80,"ttl":30,"ports":{"http":80},
                              "tags":["blue"],"checks":[{"TCP":"10.0.0.1:80","Interval":"2s"}]})",
                          s));
  REQUIRE(s.details);
  CHECK(s.has_checks());
  s.uuid = "u1";
  s.health = Health::warning;
  std::string json = to_json_text(s, WallClock::now());
  CHECK(json.find(R"("Ports":{"http":80})") != std::string::npos);
  CHECK(json.find(R"("Tags":["blue"])") != std::string::npos);
  CHECK(json.find(R"("Health":"warning")") != std::string::npos);

  Change back;
  REQUIRE_FALSE(parse_journal_line(journal_line({Change::put, s}), back));
  CHECK(same_details(back.service.details, s.details));
  CHECK(back.service.same_body(s));
  // A body without them is the same SkyDNS 1 registration as before.
  Service plain;
  REQUIRE_FALSE(from_json(R"({"name":"web","host":"10.0.0.1","port":80})", plain));
  CHECK(plain.details == nullptr);
  CHECK(to_json_text(plain, WallClock::now()).find("Health") == std::string::npos);
  CHECK_FALSE(plain.same_body(s));
  // null is absent (Go encodes nil slices and maps so).
  Service nulls;
  REQUIRE_FALSE(from_json(R"({"name":"web","host":"10.0.0.1","port":80,"Ports":null,"Tags":null,"Checks":null})",
                          nulls));
  CHECK(nulls.details == nullptr);
  // A bad nested value is refused with its reason.
  Service bad;
  auto err = from_json(R"({"name":"web","host":"10.0.0.1","port":80,"ports":{"x":70000}})", bad);
  REQUIRE(err);
  CHECK(*err == "port 'x' must be between 1 and 65535");
}

TEST_CASE("check replies: 2xx passing, 429 warning, anything else critical") {
  CHECK(health_of_status_line("HTTP/1.1 200 OK\r\n") == Health::passing);
  CHECK(health_of_status_line("HTTP/1.0 204 No Content\r\n") == Health::passing);
  CHECK(health_of_status_line("HTTP/1.1 429 Too Many Requests\r\n") == Health::warning);
  CHECK(health_of_status_line("HTTP/1.1 503 Service Unavailable\r\n") == Health::critical);
  CHECK(health_of_status_line("HTTP/1.1 301 Moved\r\n") == Health::critical);
  CHECK(health_of_status_line("SSH-2.0-OpenSSH_9.2\r\n") == Health::critical);
  CHECK(health_of_status_line("HTTP/1.1 2x0 OK") == Health::critical);
  CHECK(health_of_status_line("") == Health::critical);
}

TEST_CASE("check durations are the Corefile's spellings") {
  DetailsPtr d;
  REQUIRE_FALSE(details_from_json("", "", R"([{"TCP":"127.0.0.1:1","Interval":"1m30s","Timeout":"1.5s"}])", d));
  CHECK(d->checks[0].interval == 90s);
  CHECK(d->checks[0].timeout == 1500ms);
  std::string json;
  append_details_json(json, *d);
  CHECK(json.find(R"("Interval":"1m30s","Timeout":"1.5s")") != std::string::npos);
  CHECK(details_error("", "", R"([{"TCP":"127.0.0.1:1","Interval":"10"}])").find("Interval") != std::string::npos);
  CHECK(details_error("", "", R"([{"TCP":"127.0.0.1:1","Interval":"-1s"}])").find("Interval") != std::string::npos);
}

TEST_CASE("the checks' fingerprint shared through etcd is the same on every build") {
  // Servers built by other compilers or for other word sizes read each
  // other's reports: the fingerprint is FNV-1a of the checks' JSON, pinned.
  DetailsPtr d;
  REQUIRE_FALSE(details_from_json(R"({"http":80})", R"(["blue"])",
                                  R"([{"TCP":"10.0.0.1:80","Interval":"2s","Timeout":"1s"}])", d));
  // FNV-1a 64 of `,"Checks":[{"TCP":"10.0.0.1:80","Interval":"2s","Timeout":"1s"}]`
  // (worked out apart from this code, in Python).
  CHECK(HealthShare::fingerprint(*d) == "27f5c9dc280d6fcc");
}
