// Concurrent writers' puts and deletes share one etcd transaction: the
// first writer to find none in flight sends everything queued (at most
// etcd's 128 operations per txn) and the others wait for its answer, so 16
// registrations cost one round trip for their puts instead of 16. A key
// appears at most once per txn (etcd refuses duplicates): a second write of
// a queued key waits for the next one.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace skycore::plugins::skydns_registry {

struct TxnOp {
  std::string key, value;
  int64_t lease = 0;
  bool remove = false;  // a delete of `key`, else a put
};

class TxnBatcher {
 public:
  // `send` runs one txn and returns its revision, or throws.
  using Send = std::function<int64_t(const std::vector<TxnOp>&)>;
  explicit TxnBatcher(Send send, size_t max_ops = 128) : send_(std::move(send)), max_ops_(max_ops) {}

  // Returns the revision of the txn that carried `ops` (all of them in the
  // same one), or rethrows what that txn threw.
  int64_t submit(std::vector<TxnOp> ops);

 private:
  struct Slot {
    std::vector<TxnOp> ops;
    bool done = false;
    int64_t revision = 0;
    std::exception_ptr failure;
  };
  bool queued_locked(const std::vector<TxnOp>& ops) const;

  Send send_;
  const size_t max_ops_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Slot*> queue_;
  std::set<std::string> queued_keys_;
  size_t queued_ops_ = 0;
  bool in_flight_ = false;
};

}  // namespace skycore::plugins::skydns_registry
