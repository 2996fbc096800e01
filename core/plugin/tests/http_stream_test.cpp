#include <doctest/doctest.h>

#include "core/plugin/http_stream.h"

using skycore::HttpStream;

TEST_CASE("HttpStream: the shared head comes first, once, and is not counted against the cap") {
  HttpStream s(16);
  auto head = std::make_shared<const std::string>(std::string(1000, 'h'));  // far past the cap
  REQUIRE(s.push_head(head));
  REQUIRE(s.push("event 1\n"));
  std::shared_ptr<const std::string> got;
  std::string out;
  REQUIRE(s.take(got, out));
  CHECK(got == head);
  CHECK(out == "event 1\n");
  got.reset();
  REQUIRE(s.take(got, out));
  CHECK_FALSE(got);  // once
  CHECK(out.empty());
}

TEST_CASE("HttpStream: a client too far behind is cut off and lets go of the head") {
  HttpStream s(16);
  auto head = std::make_shared<const std::string>("snapshot");
  REQUIRE(s.push_head(head));
  CHECK(head.use_count() == 2);
  CHECK(s.push("0123456789"));
  CHECK_FALSE(s.push("0123456789"));  // 20 bytes waiting > 16
  CHECK(s.is_closed());
  CHECK(head.use_count() == 1);
  std::shared_ptr<const std::string> got;
  std::string out;
  CHECK_FALSE(s.take(got, out));  // closed and drained
  CHECK_FALSE(s.push_head(head));
}

TEST_CASE("HttpStream: drop() frees what the server did not write") {
  HttpStream s;
  auto head = std::make_shared<const std::string>("snapshot");
  REQUIRE(s.push_head(head));
  REQUIRE(s.push("event"));
  s.close();
  s.drop();
  CHECK(head.use_count() == 1);
  std::shared_ptr<const std::string> got;
  std::string out;
  CHECK_FALSE(s.take(got, out));
}
