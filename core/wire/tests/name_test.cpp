#include <doctest/doctest.h>

#include <vector>

#include "core/wire/name.h"
#include "core/wire/reader.h"

using namespace skycore::wire;

TEST_CASE("names parse from text and print back") {
  auto n = Name::from_text("www.Example.org");
  REQUIRE(n);
  CHECK(n->to_text() == "www.Example.org.");
  CHECK(n->size() == 17);
  CHECK(n->label_count() == 3);
  CHECK(Name::from_text(".")->is_root());
  CHECK(Name::from_text("a\\.b.c.")->label_count() == 2);
  CHECK(Name::from_text("a\\.b.c.")->to_text() == "a\\.b.c.");
  CHECK(Name::from_text("\\065bc.")->to_text() == "Abc.");
  CHECK_FALSE(Name::from_text("a..b"));
  CHECK_FALSE(Name::from_text("\\256x"));
  CHECK_FALSE(Name::from_text("ab\\2"));
  CHECK_FALSE(Name::from_text(std::string(64, 'a')));
  CHECK(Name::from_text(std::string(63, 'a')));
}

TEST_CASE("names longer than 255 octets are rejected") {
  std::string label(63, 'a');
  std::string four = label + "." + label + "." + label + "." + label;  // 257 octets
  CHECK_FALSE(Name::from_text(four));
  std::string fits = label + "." + label + "." + label + "." + std::string(61, 'b');  // 255
  auto n = Name::from_text(fits);
  REQUIRE(n);
  CHECK(n->size() == 255);
}

TEST_CASE("case-insensitive comparison and subdomains") {
  auto a = *Name::from_text("WWW.example.ORG");
  auto b = *Name::from_text("www.EXAMPLE.org.");
  CHECK(a.equals_ignore_case(b));
  CHECK(a.is_subdomain_of(*Name::from_text("example.org")));
  CHECK(a.is_subdomain_of(Name()));
  CHECK_FALSE(a.is_subdomain_of(*Name::from_text("ample.org")));
  CHECK_FALSE(Name::from_text("org")->is_subdomain_of(*Name::from_text("example.org")));
  a.lowercase();
  CHECK(a.to_text() == "www.example.org.");
  CHECK(a.parent().to_text() == "example.org.");
  CHECK(a.parent(3).is_root());
  CHECK(a.first_label() == "www");
  CHECK(a.prepend_label("_tcp"));
  CHECK(a.to_text() == "_tcp.www.example.org.");
}

TEST_CASE("reader follows backward pointers and rejects the rest") {
  // 12-byte dummy header, then "example.org." at 12, then "www" + ptr(12).
  std::vector<uint8_t> m(12, 0);
  for (int c : std::initializer_list<int>{7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'o', 'r', 'g', 0}) m.push_back(c);
  size_t www_at = m.size();
  for (int c : std::initializer_list<int>{3, 'w', 'w', 'w', 0xC0, 12}) m.push_back(c);
  WireReader r(m, www_at);
  Name n;
  r.name(n);
  REQUIRE(r.ok());
  CHECK(n.to_text() == "www.example.org.");
  CHECK(r.pos() == m.size());

  // A pointer to itself or forward is an error, and the error sticks.
  std::vector<uint8_t> self(12, 0);
  self.push_back(0xC0);
  self.push_back(12);
  WireReader s(self, 12);
  s.name(n);
  CHECK_FALSE(s.ok());
  CHECK(s.u16() == 0);
  CHECK_FALSE(s.ok());
}

TEST_CASE("reader bounds") {
  std::vector<uint8_t> m = {1, 2, 3};
  WireReader r(m);
  CHECK(r.u16() == 0x0102);
  CHECK(r.u16() == 0);
  CHECK_FALSE(r.ok());
  WireReader r2(m);
  CHECK(r2.bytes(4).empty());
  CHECK_FALSE(r2.ok());
}
