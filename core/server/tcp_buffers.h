// Buffers for TCP queries and replies, kept by each worker thread and lent
// to its connections, so a connection asks the heap for nothing per query
// once warm. A worker's connections all run on its thread: no lock. The
// spares are bounded (count, and the size of a spare kept), so a burst of
// large answers does not stay pinned after it, and an idle connection holds
// no buffer at all.
#pragma once
#include <cstdint>
#include <vector>

namespace skycore::server {

class TcpBuffers {
 public:
  // The buffer a worker's connections draw from (one per thread).
  static TcpBuffers& mine() {
    thread_local TcpBuffers pool;
    return pool;
  }
  // A buffer of exactly `n` bytes (contents unspecified).
  std::vector<uint8_t> take(size_t n) {
    std::vector<uint8_t> v;
    // The smallest spare that is big enough, so a small query does not take
    // an answer-sized buffer that the next answer would then miss.
    size_t best = spares_.size();
    for (size_t i = 0; i < spares_.size(); ++i)
      if (spares_[i].capacity() >= n && (best == spares_.size() || spares_[i].capacity() < spares_[best].capacity()))
        best = i;
    if (best < spares_.size()) {
      v = std::move(spares_[best]);
      spares_[best] = std::move(spares_.back());
      spares_.pop_back();
    }
    v.resize(n);
    return v;
  }
  void give(std::vector<uint8_t>&& v) {
    if (spares_.size() >= kMaxSpares || v.capacity() == 0) return;
    // Keep at most a few answer-sized (64 KiB) buffers: one per answer being
    // worked out at once is plenty.
    if (v.capacity() > kSmall) {
      size_t big = 0;
      for (const auto& s : spares_) big += s.capacity() > kSmall;
      if (big >= kMaxBig) return;
    }
    spares_.push_back(std::move(v));
    if (spares_.capacity() < kMaxSpares) spares_.reserve(kMaxSpares);
  }

 private:
  static constexpr size_t kMaxSpares = 64, kMaxBig = 8, kSmall = 4096;
  std::vector<std::vector<uint8_t>> spares_;
};

}  // namespace skycore::server
