// Per-query state for a plugin whose serve() suspends while it is in use
// (forward waits): it cannot live per worker, since other queries of the
// same worker run meanwhile, and a coroutine frame would allocate it anew
// each time. A worker keeps a free list instead; a Lease takes one state
// (or makes the first few) and gives it back when the query is done. A
// coroutine resumes on the worker it started on, so the list needs no lock.
#pragma once
#include <memory>
#include <vector>

namespace skycore {

template <class T>
using LeasePool = std::vector<std::unique_ptr<T>>;

template <class T>
class QueryLease {
 public:
  explicit QueryLease(LeasePool<T>& pool) : pool_(pool) {
    if (pool.empty()) {
      st_ = std::make_unique<T>();
    } else {
      st_ = std::move(pool.back());
      pool.pop_back();
    }
  }
  ~QueryLease() { pool_.push_back(std::move(st_)); }
  QueryLease(const QueryLease&) = delete;
  QueryLease& operator=(const QueryLease&) = delete;
  T& get() { return *st_; }

 private:
  LeasePool<T>& pool_;
  std::unique_ptr<T> st_;
};

}  // namespace skycore
