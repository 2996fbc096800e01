// Counters written on the query path without shared writes: each worker
// owns a slot on its own cache line and is its slot's only writer (a relaxed
// load and store, no locked read-modify-write); a scrape sums the slots.
#pragma once
#include <atomic>
#include <cstdint>
#include <vector>

namespace skycore {

// Written by one thread, read by any.
struct WorkerCounter {
  std::atomic<uint64_t> v{0};
  void add(uint64_t n = 1) { v.store(v.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  uint64_t get() const { return v.load(std::memory_order_relaxed); }
};

// One T per worker; T holds WorkerCounters (or anything else a worker alone
// writes).
template <class T>
class PerWorker {
 public:
  explicit PerWorker(size_t workers) : slots_(workers ? workers : 1) {}
  T& operator[](uint16_t worker) { return slots_[worker < slots_.size() ? worker : 0].value; }
  // The sum over workers of f(slot).
  template <class F>
  uint64_t sum(F&& f) const {
    uint64_t total = 0;
    for (const auto& s : slots_) total += f(s.value);
    return total;
  }
  size_t size() const { return slots_.size(); }

 private:
  struct alignas(64) Slot {
    T value;
  };
  std::vector<Slot> slots_;
};

}  // namespace skycore
