#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <set>
#include <stdexcept>
#include <thread>

#include "plugins/skydns-registry/etcd_txn_batcher.h"

using namespace skycore::plugins::skydns_registry;

TEST_CASE("txn batcher: concurrent writers share txns, never with a key twice or past the op limit") {
  std::mutex mu;
  std::vector<std::vector<TxnOp>> sent;
  std::atomic<int64_t> revision{100};
  TxnBatcher b(
      [&](const std::vector<TxnOp>& ops) {
        std::this_thread::sleep_for(std::chrono::microseconds(300));  // a round trip, so writers pile up
        std::lock_guard lock(mu);
        sent.push_back(ops);
        return ++revision;
      },
      8);
  std::map<std::string, int64_t> acked;  // "thread/i" -> revision
  std::mutex acked_mu;
  std::vector<std::thread> writers;
  for (int t = 0; t < 16; ++t)
    writers.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        // Every writer also rewrites one shared key: it must never share a txn with itself.
        std::vector<TxnOp> ops{TxnOp{"k" + std::to_string(t) + "/" + std::to_string(i), "v", 7, false}};
        if (i % 5 == 0) ops.push_back(TxnOp{"shared", "", 0, true});
        int64_t r = b.submit(std::move(ops));
        std::lock_guard lock(acked_mu);
        acked[std::to_string(t) + "/" + std::to_string(i)] = r;
      }
    });
  for (auto& w : writers) w.join();
  REQUIRE(acked.size() == 800);
  size_t ops = 0;
  std::map<std::string, int64_t> carried;
  int64_t r = 100;
  for (const auto& txn : sent) {
    ++r;
    CHECK(txn.size() <= 8);
    std::set<std::string> keys;
    for (const auto& op : txn) {
      CHECK(keys.insert(op.key).second);
      if (op.key != "shared") carried[op.key.substr(1)] = r;
    }
    ops += txn.size();
  }
  CHECK(ops == 800 + 160);
  CHECK(sent.size() < 400);  // shared, not one txn each
  for (const auto& [who, rev] : acked) CHECK(carried[who] == rev);  // each got its own txn's revision
}

TEST_CASE("txn batcher: a failed txn fails every writer in it, and the next one goes on") {
  bool fail = true;
  TxnBatcher b([&](const std::vector<TxnOp>&) -> int64_t {
    if (fail) throw std::runtime_error("etcd unreachable");
    return 5;
  });
  CHECK_THROWS_WITH(b.submit({TxnOp{"a", "v", 0, false}}), "etcd unreachable");
  fail = false;
  CHECK(b.submit({TxnOp{"a", "v", 0, false}}) == 5);
}
