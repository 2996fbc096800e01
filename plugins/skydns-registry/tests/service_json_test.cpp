#include "plugins/skydns-registry/service_json.h"

#include <Poco/JSON/Parser.h>
#include <doctest/doctest.h>

#include <string>

using namespace skycore::plugins::skydns_registry;
using namespace std::chrono_literals;

namespace {

// The error from_json gives for `body`, or "" if it accepts it.
std::string body_error(const std::string& body) {
  Service s;
  auto err = from_json(body, s);
  return err ? *err : "";
}

Service registered() {
  Service s;
  s.uuid = "1234";
  s.name = "db";
  s.version = "1.0.2";
  s.environment = "production";
  s.region = "east";
  s.host = "web1.site.com";
  s.port = 5432;
  return s;
}

}  // namespace

TEST_CASE("service json: field names in any case") {
  for (const char* body : {R"({"name":"db","host":"h","port":80,"ttl":5})",
                           R"({"Name":"db","Host":"h","Port":80,"TTL":5})",
                           R"({"NAME":"db","HOST":"h","PORT":80,"tTl":5})"}) {
    Service s;
    REQUIRE_FALSE(from_json(body, s));
    CHECK(s.name == "db");
    CHECK(s.host == "h");
    CHECK(s.port == 80);
    CHECK(s.ttl == 5);
  }
}

TEST_CASE("service json: every SkyDNS 1 field, unknown ones ignored") {
  Service s;
  REQUIRE_FALSE(from_json(R"({"UUID":"u1","Name":"db","Version":"1.0","Environment":"prod",
      "Region":"east","Host":"10.0.0.1","Port":5432,"TTL":30,"Extra":[1,{"x":2}]})",
                          s));
  CHECK(s.uuid == "u1");
  CHECK(s.version == "1.0");
  CHECK(s.environment == "prod");
  CHECK(s.region == "east");
  CHECK(s.host == "10.0.0.1");
  CHECK(s.port == 5432);
  CHECK(s.ttl == 30);
}

TEST_CASE("service json: Port and TTL as numeric strings or whole floats") {
  Service s;
  REQUIRE_FALSE(from_json(R"({"Port":"8080","TTL":"30"})", s));
  CHECK(s.port == 8080);
  CHECK(s.ttl == 30);
  REQUIRE_FALSE(from_json(R"({"Port":53.0,"TTL":1e2})", s));
  CHECK(s.port == 53);
  CHECK(s.ttl == 100);
}

TEST_CASE("service json: absent and null fields leave the service as it was") {
  Service s;
  s.ttl = 7;
  REQUIRE_FALSE(from_json(R"({"Name":"db","Host":null})", s));
  CHECK(s.name == "db");
  CHECK(s.host.empty());
  CHECK(s.port == 0);  // normalise() reports it missing
  CHECK(s.ttl == 7);
}

TEST_CASE("service json: the last of two spellings wins, as in Go") {
  Service s;
  REQUIRE_FALSE(from_json(R"({"name":"a","NAME":"b"})", s));
  CHECK(s.name == "b");
}

TEST_CASE("service json: malformed bodies") {
  CHECK(body_error("").starts_with("malformed JSON"));
  CHECK(body_error("{").starts_with("malformed JSON"));
  CHECK(body_error(R"({"Name":"db",})").starts_with("malformed JSON"));
  CHECK(body_error("{} trailing").starts_with("malformed JSON"));
  std::string deep;
  for (int i = 0; i < 20000; ++i) deep += R"({"a":)";
  CHECK(body_error(deep).starts_with("malformed JSON"));  // too deep to recurse into
  CHECK(body_error("  ").starts_with("malformed JSON"));
  CHECK(body_error("[]") == "expected a JSON object");
  CHECK(body_error(R"("text")") == "expected a JSON object");
  CHECK(body_error("42") == "expected a JSON object");
  CHECK(body_error("null") == "expected a JSON object");
}

TEST_CASE("service json: wrong types") {
  CHECK(body_error(R"({"UUID":1})") == "UUID must be a string");
  CHECK(body_error(R"({"Name":5})") == "Name must be a string");
  CHECK(body_error(R"({"Version":1.0})") == "Version must be a string");
  CHECK(body_error(R"({"Environment":true})") == "Environment must be a string");
  CHECK(body_error(R"({"Region":[]})") == "Region must be a string");
  CHECK(body_error(R"({"host":{}})") == "Host must be a string");
  CHECK(body_error(R"({"Port":true})") == "Port must be a number");
  CHECK(body_error(R"({"Port":"eighty"})") == "Port must be a number");
  CHECK(body_error(R"({"Port":"80 "})") == "Port must be a number");
  CHECK(body_error(R"({"Port":""})") == "Port must be a number");
  CHECK(body_error(R"({"Port":80.5})") == "Port must be a number");
  CHECK(body_error(R"({"Port":[80]})") == "Port must be a number");
  CHECK(body_error(R"({"TTL":"soon"})") == "TTL must be a number");
  CHECK(body_error(R"({"TTL":false})") == "TTL must be a number");
}

TEST_CASE("service json: Port and TTL ranges") {
  CHECK(body_error(R"({"Port":0})") == "Port must be between 1 and 65535");
  CHECK(body_error(R"({"Port":65536})") == "Port must be between 1 and 65535");
  CHECK(body_error(R"({"Port":-1})") == "Port must be between 1 and 65535");
  CHECK(body_error(R"({"Port":"99999999999999999999999"})") == "Port must be between 1 and 65535");
  CHECK(body_error(R"({"Port":65535})") == "");
  CHECK(body_error(R"({"TTL":-1})") == "TTL must not be negative");
  CHECK(body_error(R"({"TTL":"-5"})") == "TTL must not be negative");
  CHECK(body_error(R"({"TTL":4294967296})") == "TTL is too large");
  CHECK(body_error(R"({"TTL":18446744073709551615})") == "TTL is too large");
  CHECK(body_error(R"({"TTL":1e300})") == "TTL is too large");
  CHECK(body_error(R"({"TTL":4294967295})") == "");
  CHECK(body_error(R"({"TTL":0})") == "");
}

TEST_CASE("service json: a rejected body changes nothing") {
  Service s = registered();
  REQUIRE(from_json(R"({"Name":"other","Port":0})", s));
  CHECK(s.name == "db");
  CHECK(s.port == 5432);
}

TEST_CASE("service json: PATCH and callback bodies") {
  uint32_t ttl = 0;
  CHECK_FALSE(ttl_from_json(R"({"ttl":"60"})", ttl));
  CHECK(ttl == 60);
  CHECK(*ttl_from_json(R"({"Port":1})", ttl) == "missing TTL");
  CHECK(*ttl_from_json(R"({"TTL":-3})", ttl) == "TTL must not be negative");
  CHECK(ttl_from_json("[1]", ttl));

  CallbackTarget t;
  CHECK_FALSE(callback_from_json(R"({"Reply":"127.0.0.1","Port":"9000","Name":"db"})", t));
  CHECK(t.reply == "127.0.0.1");
  CHECK(t.port == 9000);
  CHECK(*callback_from_json(R"({"Port":9000})", t) == "missing Reply");
  CHECK(*callback_from_json(R"({"reply":"h"})", t) == "missing Port");
  CHECK(*callback_from_json(R"({"reply":"h","port":0})", t) == "Port must be between 1 and 65535");
  CHECK(*callback_from_json(R"({"reply":7,"port":1})", t) == "Reply must be a string");
}

TEST_CASE("service json: the API's view of a service") {
  auto now = WallClock::time_point(std::chrono::seconds(1700000000));
  Service s = registered();
  auto o = to_json(s, now);
  CHECK(o->getValue<std::string>("UUID") == "1234");
  CHECK(o->getValue<std::string>("Name") == "db");
  CHECK(o->getValue<std::string>("Version") == "1.0.2");
  CHECK(o->getValue<std::string>("Environment") == "production");
  CHECK(o->getValue<std::string>("Region") == "east");
  CHECK(o->getValue<std::string>("Host") == "web1.site.com");
  CHECK(o->getValue<int>("Port") == 5432);
  CHECK(o->getValue<int>("TTL") == 0);
  CHECK_FALSE(o->has("Expires"));  // never expires

  s.ttl = 30;
  s.expires = now + 30s;
  o = to_json(s, now + 10s);
  CHECK(o->getValue<int>("TTL") == 20);
  CHECK(o->getValue<std::string>("Expires") == "2023-11-14T22:13:50Z");
  CHECK(to_json_text(s, now).starts_with(R"({"UUID":"1234","Name":"db",)"));
}

TEST_CASE("service json: journal lines round trip") {
  Service s = registered();
  s.ttl = 30;
  s.expires = WallClock::time_point(std::chrono::seconds(1700000000)) + 250ms;
  std::string line = journal_line({Change::put, s});
  REQUIRE(line.ends_with("\n"));
  CHECK(line.find('\n') == line.size() - 1);
  line.pop_back();
  Change c;
  REQUIRE_FALSE(parse_journal_line(line, c));
  CHECK(c.kind == Change::put);
  CHECK(c.service.same_body(s));
  CHECK(c.service.uuid == "1234");
  CHECK(c.service.ttl == 30);
  // Rounded up to whole seconds: a restart never shortens a registration.
  CHECK(c.service.expires == WallClock::time_point(std::chrono::seconds(1700000001)));

  Service forever = registered();
  line = journal_line({Change::put, forever});
  REQUIRE_FALSE(parse_journal_line(line, c));
  CHECK(c.service.ttl == 0);
  CHECK(c.service.expires == WallClock::time_point{});

  line = journal_line({Change::remove, s});
  CHECK(line == "{\"op\":\"remove\",\"uuid\":\"1234\"}\n");
  REQUIRE_FALSE(parse_journal_line(line, c));
  CHECK(c.kind == Change::remove);
  CHECK(c.service.uuid == "1234");
}

TEST_CASE("service json: a newline inside a value stays on one journal line") {
  Service s = registered();
  s.name = "a\nb";
  std::string line = journal_line({Change::put, s});
  CHECK(line.find('\n') == line.size() - 1);
  Change c;
  REQUIRE_FALSE(parse_journal_line(line, c));
  CHECK(c.service.name == "a\nb");
}

TEST_CASE("service json: bad journal lines") {
  Change c;
  CHECK(parse_journal_line(R"({"op":"put","uu)", c));
  CHECK(*parse_journal_line(R"({"op":"move","uuid":"a"})", c) == "unknown op \"move\"");
  CHECK(*parse_journal_line(R"({"uuid":"a"})", c) == "missing string \"op\"");
  CHECK(*parse_journal_line(R"({"op":"remove","uuid":""})", c) == "empty uuid");
  CHECK(*parse_journal_line(R"({"op":"put","uuid":"a"})", c) == "missing string \"name\"");
  CHECK(*parse_journal_line(R"({"op":"put","uuid":"a","name":"","version":"","environment":"",
      "region":"","host":"h","port":70000,"ttl":0,"expires":0})",
                            c) == "missing or bad number \"port\"");
  CHECK(*parse_journal_line(R"({"op":"put","uuid":"a","name":"","version":"","environment":"",
      "region":"","host":"h","port":1,"ttl":0})",
                            c) == "missing or bad number \"expires\"");
}

TEST_CASE("service json: the hand-written texts parse back, escapes included") {
  auto now = WallClock::time_point(std::chrono::seconds(1700000000));
  Service s = registered();
  s.name = "q\"b\\s\x01\x7f/e";
  s.ttl = 30;
  s.expires = now + 30s;
  Poco::JSON::Parser parser;
  auto o = parser.parse(to_json_text(s, now)).extract<Poco::JSON::Object::Ptr>();
  CHECK(o->getValue<std::string>("Name") == s.name);
  CHECK(o->getValue<int>("Port") == 5432);
  CHECK(o->getValue<int>("TTL") == 30);
  CHECK(o->getValue<std::string>("Expires") == "2023-11-14T22:13:50Z");
  Change c;
  REQUIRE_FALSE(parse_journal_line(journal_line({Change::put, s}), c));
  CHECK(c.service.name == s.name);
  CHECK(c.service.same_body(s));
}
