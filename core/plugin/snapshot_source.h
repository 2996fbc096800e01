// How a control-plane thread hands immutable data to DNS workers: it
// publishes a new snapshot; each worker keeps its own pointer and, per
// query, compares one version number, touching the shared pointer (an
// atomic load and a reference count) only after a change. No lock, no
// shared cache line written on the query path.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

namespace skycore {

template <class T>
class SnapshotSource {
 public:
  explicit SnapshotSource(std::shared_ptr<const T> first = std::make_shared<const T>()) : current_(std::move(first)) {}

  void publish(std::shared_ptr<const T> next) {
    std::atomic_store(&current_, std::move(next));
    version_.fetch_add(1, std::memory_order_release);
  }
  std::shared_ptr<const T> current() const { return std::atomic_load(&current_); }
  // How many snapshots were published after the first.
  uint64_t version() const { return version_.load(std::memory_order_acquire); }

 private:
  std::shared_ptr<const T> current_;
  std::atomic<uint64_t> version_{0};
};

// One cached snapshot per worker, each on its own cache line.
template <class T>
class WorkerViews {
 public:
  explicit WorkerViews(size_t workers) : views_(workers ? workers : 1) {}

  const T& get(uint16_t worker, const SnapshotSource<T>& source) {
    View& v = views_[worker < views_.size() ? worker : 0];
    uint64_t current = source.version();
    if (current != v.version) {
      v.snapshot = source.current();
      v.version = current;
    }
    return *v.snapshot;
  }

 private:
  struct alignas(64) View {
    uint64_t version = ~0ull;
    std::shared_ptr<const T> snapshot;
  };
  std::vector<View> views_;
};

}  // namespace skycore
