// transfer through the plugin test kit, with a stand-in zone: framing over
// the MessageStream, several messages for a big zone, IXFR up to date,
// refusals, and setup errors.
#include "plugins/transfer/transfer.h"

#include <doctest/doctest.h>

#include "core/plugin/testing.h"
#include "core/wire/header.h"

SKYCORE_PLUGIN_SETUP(transfer)

using namespace skycore;
using namespace skycore::wire;
using skycore::testing::TestQuery;

namespace {

// A zone of `n` A records between its SOAs, serial 7.
class Zone final : public ZoneTransferSource {
 public:
  explicit Zone(size_t n) : n_(n) {}
  bool transfers(const Name& z) const override { return z.equals_ignore_case(*Name::from_text("example.org.")); }
  uint32_t transfer_serial(const Name&) const override { return 7; }
  void transfer(const Name& zone, TransferWriter& out) const override {
    auto soa = [&] {
      out.add([&](MessageWriter& w) {
        return w.add_soa(Section::answer, zone, 5, *Name::from_text("ns.example.org."),
                         *Name::from_text("hostmaster.example.org."), 7, 1, 1, 1, 5);
      });
    };
    soa();
    for (size_t i = 0; i < n_; ++i) {
      Name owner = zone;
      owner.prepend_label("host" + std::to_string(i));
      const uint8_t ip[4] = {192, 0, 2, uint8_t(i)};
      out.add([&](MessageWriter& w) { return w.add_a(Section::answer, owner, 5, ip); });
    }
    soa();
  }

 private:
  size_t n_;
};

// Collects what a transfer sends ahead of its last message.
class Collect final : public MessageStream {
 public:
  asio::awaitable<bool> send(std::span<const uint8_t> msg) override {
    sent.emplace_back(msg.begin(), msg.end());
    co_return true;
  }
  std::vector<std::vector<uint8_t>> sent;
};

std::unique_ptr<plugins::transfer::Transfer> plugin_of(const std::string& body) {
  testing::SetupRun run(". {\n" + body + "\n}\n", "transfer", &plugins::transfer::setup);
  INFO(run.error);
  REQUIRE(run.plugin);
  return std::unique_ptr<plugins::transfer::Transfer>(static_cast<plugins::transfer::Transfer*>(run.plugin.release()));
}

size_t answers(std::span<const uint8_t> msg) { return HeaderView{msg.data()}.ancount(); }

}  // namespace

TEST_CASE("transfer: AXFR in several messages, SOA first and last") {
  auto p = plugin_of(" transfer example.org {\n  to 127.0.0.1\n }");
  Zone zone(1200);
  p->add_source(&zone);
  testing::QueryOptions o;
  o.transport = Transport::tcp;
  TestQuery q("example.org.", rrtype::AXFR, o);
  Collect stream;
  q.req.stream = &stream;
  auto r = testing::run(*p, q.req);
  CHECK(r.answered);
  REQUIRE(stream.sent.size() >= 2);  // 1202 records, at most 500 a message
  size_t total = answers(q.req.response.data());
  for (const auto& m : stream.sent) {
    CHECK(answers(m) <= 500);
    total += answers(m);
  }
  CHECK(total == 1202);
  ParsedMessage first;
  REQUIRE(parse_message(stream.sent.front(), first));
  CHECK(first.records.front().type == rrtype::SOA);
  CHECK(q.message().records.back().type == rrtype::SOA);
}

TEST_CASE("transfer: refusals, and what is not a transfer goes on") {
  auto p = plugin_of(" transfer example.org {\n  to 192.0.2.53\n }");
  Zone zone(3);
  p->add_source(&zone);
  TestQuery udp_q("example.org.", rrtype::AXFR);  // no stream: UDP
  testing::run(*p, udp_q.req);
  CHECK(udp_q.rcode() == rcode::REFUSED);

  testing::QueryOptions o;
  o.transport = Transport::tcp;
  TestQuery stranger("example.org.", rrtype::AXFR, o);  // from 127.0.0.1, not listed
  Collect stream;
  stranger.req.stream = &stream;
  testing::run(*p, stranger.req);
  CHECK(stranger.rcode() == rcode::REFUSED);

  testing::StubNext next(rcode::NOERROR);
  TestQuery a("example.org.", rrtype::A, o);
  testing::run(*p, a.req, next);
  CHECK(next.calls == 1);
}

TEST_CASE("transfer setup errors carry FILE:LINE") {
  auto error = [](const std::string& body) {
    return testing::SetupRun(". {\n" + body + "\n}\n", "transfer", &plugins::transfer::setup).error;
  };
  CHECK(error(" transfer {\n }") == "Corefile:3: transfer: 'to' is required");
  CHECK(error(" transfer {\n  to nowhere\n }") == "Corefile:3: transfer: must specify an IP address: `nowhere'");
  CHECK(error(" transfer {\n  to *\n  source 1.2.3.4\n  source 1.2.3.5\n }") ==
        "Corefile:5: transfer: source already specified");
  CHECK(error(" transfer {\n  to * 192.0.2.1:5353 [2001:db8::1]:53\n }").empty());
}
