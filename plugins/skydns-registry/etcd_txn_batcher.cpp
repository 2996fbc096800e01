#include "plugins/skydns-registry/etcd_txn_batcher.h"

namespace skycore::plugins::skydns_registry {

bool TxnBatcher::queued_locked(const std::vector<TxnOp>& ops) const {
  for (const auto& op : ops)
    if (queued_keys_.count(op.key)) return true;
  return false;
}

int64_t TxnBatcher::submit(std::vector<TxnOp> ops) {
  std::unique_lock lock(mu_);
  // A key already waiting, or a txn with no room left: the next one.
  cv_.wait(lock, [&] { return !queued_locked(ops) && (queue_.empty() || queued_ops_ + ops.size() <= max_ops_); });
  Slot slot;
  slot.ops = std::move(ops);
  for (const auto& op : slot.ops) queued_keys_.insert(op.key);
  queued_ops_ += slot.ops.size();
  queue_.push_back(&slot);
  while (!slot.done) {
    if (in_flight_) {
      cv_.wait(lock);
      continue;
    }
    // Leader: everything queued goes in one txn.
    in_flight_ = true;
    std::vector<Slot*> batch;
    batch.swap(queue_);
    queued_keys_.clear();
    queued_ops_ = 0;
    cv_.notify_all();  // writers held back for room or a key may queue for the next txn
    lock.unlock();
    std::vector<TxnOp> all;
    for (Slot* s : batch) all.insert(all.end(), s->ops.begin(), s->ops.end());
    int64_t revision = 0;
    std::exception_ptr failure;
    try {
      revision = send_(all);
    } catch (...) {
      failure = std::current_exception();
    }
    lock.lock();
    for (Slot* s : batch) {
      s->done = true;
      s->revision = revision;
      s->failure = failure;
    }
    in_flight_ = false;
    cv_.notify_all();
  }
  if (slot.failure) std::rethrow_exception(slot.failure);
  return slot.revision;
}

}  // namespace skycore::plugins::skydns_registry
