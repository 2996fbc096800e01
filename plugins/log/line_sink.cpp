#include "plugins/log/line_sink.h"

#include <unistd.h>

#include <chrono>
#include <cstring>

namespace skycore::plugins::log {

LineSink::LineSink(size_t workers, int fd) : fd_(fd) {
  for (size_t i = 0; i < std::max<size_t>(workers, 1); ++i) rings_.push_back(std::make_unique<Ring>());
}

LineSink::~LineSink() { stop(); }

void LineSink::start() {
  if (running_.exchange(true)) return;
  thread_ = std::thread([this] { run(); });
}

void LineSink::stop() {
  if (!running_.exchange(false)) return;
  wake_.notify_one();
  thread_.join();
  drain();
}

bool LineSink::push(size_t worker, std::string_view line) {
  Ring& r = *rings_[worker < rings_.size() ? worker : 0];
  uint64_t head = r.head.load(std::memory_order_relaxed);
  uint64_t tail = r.tail.load(std::memory_order_acquire);
  if (line.size() > kRingBytes - (head - tail)) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  size_t at = head % kRingBytes;
  size_t first = std::min(line.size(), kRingBytes - at);
  std::memcpy(r.buf.get() + at, line.data(), first);
  std::memcpy(r.buf.get(), line.data() + first, line.size() - first);
  r.head.store(head + line.size(), std::memory_order_release);
  return true;
}

bool LineSink::drain() {
  bool wrote = false;
  for (auto& rp : rings_) {
    Ring& r = *rp;
    uint64_t tail = r.tail.load(std::memory_order_relaxed);
    uint64_t head = r.head.load(std::memory_order_acquire);
    while (tail < head) {
      size_t at = tail % kRingBytes;
      size_t n = std::min<uint64_t>(head - tail, kRingBytes - at);
      ssize_t w = ::write(fd_, r.buf.get() + at, n);
      if (w <= 0) break;  // stdout is gone or full: try again next round
      tail += static_cast<uint64_t>(w);
      wrote = true;
    }
    r.tail.store(tail, std::memory_order_release);
  }
  return wrote;
}

void LineSink::run() {
  // Polling a few bytes of atomics every few milliseconds is cheaper than
  // making every query signal a condition variable.
  while (running_.load()) {
    if (!drain()) {
      std::unique_lock lock(mu_);
      wake_.wait_for(lock, std::chrono::milliseconds(5));
    }
  }
}

}  // namespace skycore::plugins::log
