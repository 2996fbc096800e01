#include <doctest/doctest.h>

#include <dirent.h>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/wire/fuzz/fuzz_body.h"
#include "core/wire/query.h"
#include "core/wire/record.h"
#include "core/wire/writer.h"

using namespace skycore::wire;

namespace {
std::vector<uint8_t> unhex(const std::string& h) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < h.size(); i += 2) out.push_back(std::stoi(h.substr(i, 2), nullptr, 16));
  return out;
}
std::string trim(std::string s) {
  s.erase(0, s.find_first_not_of(' '));
  s.erase(s.find_last_not_of(' ') + 1);
  return s;
}
const char* status_name(QueryStatus s) {
  switch (s) {
    case QueryStatus::ok: return "ok";
    case QueryStatus::drop: return "drop";
    case QueryStatus::formerr: return "formerr";
    case QueryStatus::notimp: return "notimp";
    case QueryStatus::badvers: return "badvers";
  }
  return "?";
}
}  // namespace

TEST_CASE("the malformed-query table gives the expected outcome") {
  std::ifstream in(SKYCORE_WIRE_CORPUS "/../../tests/malformed_queries.txt");
  REQUIRE(in.good());
  std::string line;
  int rows = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    std::string expect, desc, hex;
    std::getline(ls, expect, '|');
    std::getline(ls, desc, '|');
    std::getline(ls, hex);
    auto pkt = unhex(trim(hex));
    Query q;
    INFO(desc);
    CHECK(std::string(status_name(parse_query(pkt, q))) == trim(expect));
    ++rows;
  }
  CHECK(rows >= 20);
}

TEST_CASE("query fields and EDNS are extracted") {
  auto pkt = unhex("123401100001000000000001076578616d706c65036f72670000010001"
                   "0000291000000080000000");
  Query q;
  REQUIRE(parse_query(pkt, q) == QueryStatus::ok);
  CHECK(q.id == 0x1234);
  CHECK(q.qtype == rrtype::A);
  CHECK(q.qname.to_text() == "example.org.");
  CHECK(q.edns.present);
  CHECK(q.edns.udp_size == 4096);
  CHECK(q.edns.do_bit);
  CHECK(q.question_end == 12 + 13 + 4);
}

TEST_CASE("EDNS sizes below 512 count as 512") {
  auto pkt = unhex("123401000001000000000001076578616d706c65036f72670000010001"
                   "00002900ff000000000000");
  Query q;
  REQUIRE(parse_query(pkt, q) == QueryStatus::ok);
  CHECK(q.edns.udp_size == 512);
}

// The fuzz corpus doubles as a regression suite: each input goes through
// exactly what the fuzzer does with it.
TEST_CASE("fuzz corpus replays without crashing") {
  DIR* d = opendir(SKYCORE_WIRE_CORPUS);
  REQUIRE(d != nullptr);
  int files = 0;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    std::ifstream f(std::string(SKYCORE_WIRE_CORPUS "/") + e->d_name, std::ios::binary);
    std::vector<uint8_t> pkt((std::istreambuf_iterator<char>(f)), {});
    INFO(e->d_name);
    CHECK(fuzz_one_message(pkt));
    ++files;
  }
  closedir(d);
  CHECK(files > 10);
}
